import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestDatabase } from '@cityassist/db';
import { loadZoneFeatures, pointInZone } from '@cityassist/geo';
import { GATEWAY_SECRET_HEADER, PRINCIPAL_HEADER, type GraphQLResponse } from '@cityassist/service-kit';
import { TEST_ENV, TEST_GATEWAY_SECRET } from '@cityassist/service-kit/testing';
import { parseConfig, type ReportsConfig } from './config.ts';

/**
 * The service's settings for a test: production's defaults, except a fresh photo folder, no
 * scheduled retry, and any port. `env` takes the real variable names, e.g. `{ REDIS_URL }`.
 */
export function testConfig(
  database: TestDatabase | { url: string } | { dataDir: string },
  env: Record<string, string> = {},
): ReportsConfig {
  return {
    ...parseConfig({
      ...TEST_ENV,
      REPORTS_PORT: '0',
      UPLOADS_DIR: path.join(tmpdir(), `reports-test-${randomUUID()}`),
      TRIAGE_RETRY_INTERVAL_MS: '0',
      // Generous: a slow CI machine must not turn a working model into a "model down" test.
      TRIAGE_TIMEOUT_MS: '60000',
      IMAGE_BATCH_WAIT_MS: '2',
      ...env,
    }),
    database,
  };
}

/** A point inside the zone's polygon (its centroid can lie outside a concave tract). */
export async function pointIn(zoneId: string): Promise<{ lat: number; lon: number }> {
  return pointInZone(await loadZoneFeatures(), zoneId);
}

export { sceneImages } from '@cityassist/inference/testing';

export interface TestFile {
  /** The multipart field name (a key of `map`). */
  field: string;
  bytes: Buffer | Uint8Array;
  filename: string;
  /** The declared type: tests lie with it on purpose. */
  type: string;
}

/**
 * POSTs a GraphQL multipart request (https://github.com/jaydenseric/graphql-multipart-request-spec):
 * `operations`, then `map`, then the files, with the gateway's secret as the gateway would send it
 * and any other `headers` (a principal, an Idempotency-Key).
 */
// Tests read the answer's shape with their own assertions, as with service-kit's postGraphQL.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function postMultipart<T = Record<string, any>>(
  url: string,
  operations: { query: string; variables: Record<string, unknown> },
  map: Record<string, string[]>,
  files: TestFile[],
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const form = new FormData();
  form.append('operations', JSON.stringify(operations));
  form.append('map', JSON.stringify(map));
  for (const f of files) {
    form.append(f.field, new Blob([new Uint8Array(f.bytes)], { type: f.type }), f.filename);
  }
  const res = await fetch(url, {
    method: 'POST',
    headers: { [GATEWAY_SECRET_HEADER]: TEST_GATEWAY_SECRET, ...headers },
    body: form,
  });
  const text = await res.text();
  let body: Omit<GraphQLResponse<T>, 'status' | 'headers'>;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new Error(`not a JSON answer (${res.status}): ${text.slice(0, 300)}`);
  }
  return { status: res.status, headers: res.headers, ...body };
}

/** submitReport with one photo in the variable `photo`. */
export function submitWithPhoto(
  url: string,
  query: string,
  input: Record<string, unknown>,
  photo: Omit<TestFile, 'field'>,
  headers: Record<string, string> = {},
) {
  return postMultipart(
    url,
    { query, variables: { input, photo: null } },
    { 0: ['variables.photo'] },
    [{ field: '0', ...photo }],
    headers,
  );
}

/** The headers the gateway sends for a caller: its hashed id and scopes (see principalOf). */
export function asPrincipal(id: string, scopes = ['reports:write', 'reports:read']): Record<string, string> {
  return { [PRINCIPAL_HEADER]: `${id};${scopes.join(' ')}` };
}
