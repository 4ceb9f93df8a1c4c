import { Writable } from 'node:stream';
import pino from 'pino';
import type { TestDatabase } from '@cityassist/db';
import { TEST_ENV } from '@cityassist/service-kit/testing';
import { parseConfig, type PredictionsConfig } from './config.ts';

/**
 * The service's settings for a test: production's defaults (the committed models and snapshots),
 * except that nothing is scheduled, cached or sent to a worker thread, and any port will do.
 * `env` takes the real variable names, e.g. `{ MODEL_TIMEOUT_MS: '10' }`.
 */
export function testConfig(database: TestDatabase, env: Record<string, string> = {}): PredictionsConfig {
  return {
    ...parseConfig({
      ...TEST_ENV,
      PREDICTIONS_PORT: '0',
      FLOOD_RESCORE_SECONDS: '0',
      ETL_INBOX_SECONDS: '0',
      PREDICTION_CACHE_TTL_SECONDS: '0',
      EXPLAIN_THREADS: '0',
      INFERENCE_BATCH_WAIT_MS: '2',
      ...env,
    }),
    database,
  };
}

export { modelsWithCopy } from '@cityassist/inference/testing';

/** A logger whose JSON lines are kept, parsed, for a test to read what the service logged. */
export function capturedLogger(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) {
        if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      }
      done();
    },
  });
  return { logger: pino({ level: 'info', messageKey: 'msg' }, sink), lines };
}
