import { createTestDatabase } from '@cityassist/db';
import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mintApiKey } from '../gateway/src/auth/api-keys.ts';
import { startStack, type Stack, type StackOptions } from '../scripts/stack.ts';

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
export async function startTestStack(
  backend: Backend,
  options: StackOptions = {},
): Promise<(TestStack & AsyncDisposable) | undefined> {
  const db = backend === 'Postgres' ? await createTestDatabase() : undefined;
  if (backend === 'Postgres' && !db) return undefined;
  const dir = await mkdtemp(path.join(tmpdir(), 'cityassist-e2e-'));
  // One key per scope set the tests need, stored hashed like `npm run api-key` does.
  const keys = {
    admin: mintApiKey('e2e-admin', [
      'reports:read',
      'reports:write',
      'features:write',
      'models:admin',
      'graphql:arbitrary',
    ]),
    reader: mintApiKey('e2e-reader', []),
    limited: mintApiKey('e2e-limited', []),
    arbitrary: mintApiKey('e2e-arbitrary', ['graphql:arbitrary']),
  };
  const apiKeysFile = path.join(dir, 'api-keys.json');
  await writeFile(apiKeysFile, JSON.stringify(Object.values(keys).map((k) => k.stored)));
  const stack = await startStack({
    ...options,
    env: {
      DATA_DIR: dir,
      LOG_LEVEL: 'warn',
      DATABASE_URL: db?.url,
      API_KEYS_FILE: apiKeysFile,
      JWT_SECRET: TEST_JWT_SECRET,
      ...options.env,
    },
  });
  return Object.assign(stack, {
    apiKeysFile,
    apiKeys: {
      admin: keys.admin.key,
      reader: keys.reader.key,
      limited: keys.limited.key,
      arbitrary: keys.arbitrary.key,
    },
    async [Symbol.asyncDispose]() {
      await stack.stop();
      await rm(dir, { recursive: true, force: true });
      await db?.[Symbol.asyncDispose]();
    },
  });
}

/** The HS256 secret test stacks accept JWTs signed with. */
export const TEST_JWT_SECRET = 'an-e2e-jwt-secret-of-at-least-32-chars';

export interface TestStack extends Stack {
  /**
   * Raw API keys: `admin` has every scope, `reader` and `limited` none (`limited` is for rate-limit
   * tests), `arbitrary` only graphql:arbitrary.
   */
  apiKeys: { admin: string; reader: string; limited: string; arbitrary: string };
  /** The gateway's API_KEYS_FILE (tests mint and revoke keys in it while the gateway runs). */
  apiKeysFile: string;
}

/** An HS256 JWT, signed the way an identity provider would (RFC 7519), for tests. */
export function signJwt(payload: Record<string, unknown>, secret = TEST_JWT_SECRET): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(payload)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

/**
 * An identity provider on loopback: an RS256 key pair whose public half it serves as a JWKS at
 * `url`, counting how often it is fetched, and a signer for its tokens (RFC 7515/7519).
 */
export async function startIdentityProvider(): Promise<
  AsyncDisposable & {
    url: string;
    fetches: () => number;
    sign(payload: Record<string, unknown>, kid?: string): string;
  }
> {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = {
    ...(publicKey.export({ format: 'jwk' }) as Record<string, unknown>),
    kid: 'k1',
    alg: 'RS256',
    use: 'sig',
  };
  let fetches = 0;
  const server = http.createServer((_req, res) => {
    fetches += 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    fetches: () => fetches,
    sign: (payload, kid = 'k1') => signRs256(payload, privateKey, kid),
    [Symbol.asyncDispose]: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function signRs256(payload: Record<string, unknown>, key: KeyObject, kid: string): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const unsigned = `${part({ alg: 'RS256', typ: 'JWT', kid })}.${part(payload)}`;
  return `${unsigned}.${sign('sha256', Buffer.from(unsigned), key).toString('base64url')}`;
}

export { startOwnRedis, type OwnRedis } from '@cityassist/redis/testing';
