import { createTestDatabase } from '@cityassist/db';
import { startStack, type Stack } from '../scripts/stack.ts';

export { postGraphQL } from '@cityassist/service-kit';

/** Reads one sample of a Prometheus counter from a /metrics page (summed over label sets that match). */
export async function counter(
  baseUrl: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

export type Backend = 'PGlite' | 'Postgres';

/**
 * The whole stack as separate processes on free ports: on embedded PGlite in a fresh temporary
 * folder, or on a throwaway database of the local Postgres. Undefined when Postgres is asked for
 * and none answers off CI.
 */
export async function startTestStack(backend: Backend): Promise<(Stack & AsyncDisposable) | undefined> {
  if (backend === 'PGlite') {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const dir = await mkdtemp(path.join(tmpdir(), 'cityassist-e2e-'));
    const stack = await startStack({ env: { DATA_DIR: dir, LOG_LEVEL: 'warn', DATABASE_URL: undefined } });
    return Object.assign(stack, {
      async [Symbol.asyncDispose]() {
        await stack.stop();
        await rm(dir, { recursive: true, force: true });
      },
    });
  }
  const db = await createTestDatabase();
  if (!db) return undefined;
  const stack = await startStack({ env: { DATABASE_URL: db.url, LOG_LEVEL: 'warn' } });
  return Object.assign(stack, {
    async [Symbol.asyncDispose]() {
      await stack.stop();
      await db[Symbol.asyncDispose]();
    },
  });
}
