import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestDatabase } from '@cityassist/db';
import { DEFAULT_ZONES_FILE, loadZoneFeatures, pointInZone } from '@cityassist/geo';
import { GATEWAY_SECRET_HEADER, type GraphQLResponse } from '@cityassist/service-kit';
import { TEST_GATEWAY_SECRET } from '@cityassist/service-kit/testing';
import type { ReportsConfig } from './config.ts';

const repoRoot = path.resolve(import.meta.dirname, '../../..');

/** The service's settings for a test: a fresh photo folder, the committed image model, no retry. */
export function testConfig(
  database: TestDatabase | { url: string } | { dataDir: string },
  overrides: Partial<Omit<ReportsConfig, 'database' | 'triage'>> & {
    triage?: Partial<ReportsConfig['triage']>;
  } = {},
): ReportsConfig {
  const { triage, ...rest } = overrides;
  return {
    host: '127.0.0.1',
    port: 0,
    database,
    gatewaySecret: TEST_GATEWAY_SECRET,
    redisUrl: undefined,
    zonesFile: DEFAULT_ZONES_FILE,
    uploads: { maxBytes: 10 * 1024 * 1024, maxFiles: 1, maxPixels: 40_000_000, maxEdge: 2048 },
    storage: { kind: 'folder', dir: path.join(tmpdir(), `reports-test-${randomUUID()}`) },
    orphanMinAgeMs: 15 * 60_000,
    triage: {
      modelsDir: path.join(repoRoot, 'models'),
      modelVersion: '1.0.0',
      batch: { maxBatchSize: 16, maxWaitMs: 2 },
      // Generous: a slow CI machine must not turn a working model into a "model down" test.
      timeoutMs: 60_000,
      retryIntervalMs: 0,
      ...triage,
    },
    logLevel: 'silent',
    ...rest,
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
 * `operations`, then `map`, then the files, with the gateway's secret as the gateway would send it.
 */
// Tests read the answer's shape with their own assertions, as with service-kit's postGraphQL.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function postMultipart<T = Record<string, any>>(
  url: string,
  operations: { query: string; variables: Record<string, unknown> },
  map: Record<string, string[]>,
  files: TestFile[],
): Promise<GraphQLResponse<T>> {
  const form = new FormData();
  form.append('operations', JSON.stringify(operations));
  form.append('map', JSON.stringify(map));
  for (const f of files) {
    form.append(f.field, new Blob([new Uint8Array(f.bytes)], { type: f.type }), f.filename);
  }
  const res = await fetch(url, {
    method: 'POST',
    headers: { [GATEWAY_SECRET_HEADER]: TEST_GATEWAY_SECRET },
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
) {
  return postMultipart(url, { query, variables: { input, photo: null } }, { 0: ['variables.photo'] }, [
    { field: '0', ...photo },
  ]);
}
