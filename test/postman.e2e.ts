/**
 * The committed Postman collection (examples/postman/, `npm run postman`) against the whole stack,
 * the gateway in production mode so only persisted operations run: newman (its Node API) runs every
 * request but the live folder, and every test in it must pass; the live folder's subscriptions,
 * which stay open and so cannot run under newman, are sent with fetch as Postman sends them, and
 * FloodAlerts must deliver an event once ingestZoneFeatures raises a zone's level.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { COLLECTION_FILE, OUT_DIR } from '../scripts/postman.ts';
import { postGraphQL, startTestStack, type TestStack } from './support.ts';

interface NewmanSummary {
  run: {
    stats: Record<'requests' | 'assertions' | 'testScripts', { total: number; failed: number }>;
    failures: { error: { name: string; message: string; test?: string }; source?: { name?: string } }[];
    executions: { item: { name: string }; response?: { code: number } }[];
  };
}
interface Newman {
  run(
    options: {
      collection: unknown;
      envVar: { key: string; value: string }[];
      folder: string[];
      workingDir: string;
      reporters: string[];
      timeoutRequest: number;
    },
    callback: (err: Error | null, summary: NewmanSummary) => void,
  ): void;
}
const newman = createRequire(import.meta.url)('newman') as Newman;

interface Item {
  name: string;
  request: {
    method: string;
    header: { key: string; value: string }[];
    body?: { mode: string; raw?: string };
    url: { raw: string };
  };
}
interface Folder {
  name: string;
  item: Item[];
}
const collection = JSON.parse(readFileSync(COLLECTION_FILE, 'utf8')) as { item: Folder[] };
const LIVE = 'GraphQL: live';

const INGEST =
  'mutation($z: ID!, $at: DateTime!, $f: [FeatureValueInput!]!) { ingestZoneFeatures(input: { zoneId: $z, asOf: $at, features: $f }) { level } }';
const CLOUDBURST = { rain_1h_mm: 120, rain_24h_mm: 400, rain_72h_mm: 600, flooded_fraction: 0.9 };

describe('the Postman collection against the stack (newman)', () => {
  let stack: (TestStack & AsyncDisposable) | undefined;
  let variables: Record<string, string>;
  const fill = (text: string) => text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => variables[name] ?? '');

  before(async () => {
    stack = await startTestStack('PGlite', { serviceEnv: { gateway: { NODE_ENV: 'production' } } });
    variables = {
      baseUrl: new URL(stack!.gatewayUrl).origin,
      apiKey: stack!.apiKeys.admin,
      zoneId: '260960005000001',
    };
  });
  after(async () => {
    await stack?.[Symbol.asyncDispose]();
  });

  it('every request outside the live folder passes all its tests', async (t) => {
    const folders = collection.item.map((f) => f.name).filter((name) => name !== LIVE);
    const summary = await new Promise<NewmanSummary>((resolve, reject) =>
      newman.run(
        {
          collection,
          // Environment variables override the collection's: the stack's origin and an admin key.
          envVar: [
            { key: 'baseUrl', value: variables['baseUrl']! },
            { key: 'apiKey', value: variables['apiKey']! },
          ],
          folder: folders,
          workingDir: OUT_DIR,
          reporters: [],
          timeoutRequest: 60_000,
        },
        (err, result) => (err ? reject(err) : resolve(result)),
      ),
    );
    const { stats, failures, executions } = summary.run;
    t.diagnostic(
      `${stats.requests.total} requests, ${stats.assertions.total} assertions, ${stats.assertions.failed} failed`,
    );
    assert.deepEqual(
      failures.map((f) => `${f.source?.name ?? '?'}: ${f.error.test ?? f.error.name}: ${f.error.message}`),
      [],
    );
    const expected = collection.item.filter((f) => f.name !== LIVE).flatMap((f) => f.item.map((i) => i.name));
    assert.deepEqual(
      executions.map((e) => e.item.name),
      expected,
      'newman ran every request of those folders, in order',
    );
    assert.ok(stats.assertions.total >= expected.length * 2, `${stats.assertions.total} assertions`);
  });

  it('every live request opens an event stream, and FloodAlerts delivers a raised level', async () => {
    const live = collection.item.find((f) => f.name === LIVE);
    assert.ok(live && live.item.length >= 4, 'the live folder holds the persisted subscriptions');
    for (const item of live.item) {
      const controller = new AbortController();
      const res = await fetch(fill(item.request.url.raw), {
        method: item.request.method,
        headers: Object.fromEntries(item.request.header.map((h) => [h.key, fill(h.value)])),
        body: fill(item.request.body?.raw ?? ''),
        signal: controller.signal,
      });
      try {
        assert.equal(res.status, 200, item.name);
        assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/, item.name);
        if (item.name !== 'FloodAlerts') continue;
        // The example asks for zones reaching HIGH: a cloudburst on the example zone is one.
        const reader = res.body!.getReader();
        const event = (async () => {
          let text = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) throw new Error('the stream ended');
            text += new TextDecoder().decode(value);
            const match = /event: next\ndata: (.+)\n/.exec(text);
            if (match) {
              return JSON.parse(match[1]!) as {
                data?: { floodAlerts?: { level: string; zone: { id: string } } };
              };
            }
          }
        })();
        event.catch(() => undefined);
        await new Promise((r) => setTimeout(r, 500)); // the gateway's upstream subscription settles
        const ingested = await postGraphQL(
          stack!.gatewayUrl,
          INGEST,
          {
            z: variables['zoneId'],
            at: new Date().toISOString(),
            f: Object.entries(CLOUDBURST).map(([name, value]) => ({ name, value })),
          },
          { 'x-api-key': stack!.apiKeys.admin },
        );
        assert.equal(ingested.errors, undefined, JSON.stringify(ingested.errors));
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('no FloodAlerts event in 10 s')), 10_000);
        });
        const alert = (await Promise.race([event, timeout]).finally(() => clearTimeout(timer))).data
          ?.floodAlerts;
        assert.equal(alert?.zone.id, variables['zoneId']);
        assert.match(alert?.level ?? '', /^(HIGH|SEVERE)$/);
      } finally {
        controller.abort();
      }
    }
  });
});
