import { after, before } from 'node:test';
import { GATEWAY_SECRET_HEADER } from './gateway-trust.ts';
import type { RunningServer } from './subgraph-server.ts';
import { postGraphQL } from './testing.ts';

/** The shared secret subgraph tests start their service with and send, as the gateway would. */
export const TEST_GATEWAY_SECRET = 'a-test-secret-that-is-32-chars-long!';

/** Settings every service under test gets: quiet, and trusting only the test's gateway secret. */
export const TEST_ENV: Readonly<Record<string, string>> = Object.freeze({
  LOG_LEVEL: 'silent',
  GATEWAY_SECRET: TEST_GATEWAY_SECRET,
});

/**
 * Starts a subgraph on a database for one test suite (node:test `before`/`after`), and gives the
 * suite a GraphQL client that sends the gateway's secret. `server` stays undefined when `open`
 * gives no database (no Postgres on a laptop): the suite's tests skip then.
 */
export function subgraphUnderTest<D extends AsyncDisposable>(
  open: () => Promise<D | undefined>,
  start: (db: D) => Promise<RunningServer>,
) {
  const state: { db?: D | undefined; server?: RunningServer | undefined } = {};
  before(async () => {
    state.db = await open();
    if (state.db) state.server = await start(state.db);
  });
  after(async () => {
    await state.server?.close();
    await state.db?.[Symbol.asyncDispose]();
  });
  return {
    get server() {
      return state.server;
    },
    gql: (query: string, variables?: Record<string, unknown>) =>
      postGraphQL(state.server!.url, query, variables, { [GATEWAY_SECRET_HEADER]: TEST_GATEWAY_SECRET }),
  };
}
