import path from 'node:path';
import type { TestDatabase } from '@cityassist/db';
import { TEST_GATEWAY_SECRET } from '@cityassist/service-kit/testing';
import type { PredictionsConfig } from './config.ts';

const repoRoot = path.resolve(import.meta.dirname, '../../..');

/** The service's settings for a test: the committed models and snapshot, nothing scheduled. */
export function testConfig(
  database: TestDatabase,
  overrides: {
    flood?: Partial<PredictionsConfig['flood']>;
    inference?: Partial<PredictionsConfig['inference']>;
    aqi?: Partial<PredictionsConfig['aqi']>;
  } = {},
): PredictionsConfig {
  return {
    host: '127.0.0.1',
    port: 0,
    database,
    gatewaySecret: TEST_GATEWAY_SECRET,
    redisUrl: undefined,
    rescoreSeconds: 0,
    drift: { warning: 0.1, drift: 0.25, window: 2000, minRows: 200 },
    modelsDir: path.join(repoRoot, 'models'),
    flood: {
      champion: '1.0.0',
      canary: undefined,
      shadow: undefined,
      canaryAssignment: 'zone',
      ...overrides.flood,
    },
    inference: {
      batching: true,
      batch: { maxBatchSize: 1024, maxWaitMs: 2 },
      timeoutMs: 2000,
      fallbackMaxAgeSeconds: 3600,
      explainThreads: 0,
      ...overrides.inference,
    },
    featuresSnapshot: path.join(repoRoot, 'data/features/flood_features_snapshot.csv'),
    aqi: {
      version: '1.0.0',
      sensorsFile: path.join(repoRoot, 'data/airquality/olinda-sim/sensors.csv'),
      readingsSnapshot: path.join(repoRoot, 'data/airquality/olinda-sim/pm25_readings.csv'),
      maxSensorDistanceKm: 5,
      ...overrides.aqi,
    },
    experimentsFile: path.join(repoRoot, 'training/experiments/runs.jsonl'),
    predictionCacheTtlSeconds: 0,
    logLevel: 'silent',
  };
}
