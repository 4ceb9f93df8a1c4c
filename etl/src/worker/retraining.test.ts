import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseWorkerConfig } from './config.ts';

const base = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/x' };

describe('the worker’s retraining settings', () => {
  it('are off by default: no models, the trigger poll every 10 minutes, no schedule', () => {
    assert.deepEqual(parseWorkerConfig(base).retraining, {
      models: [],
      triggerCron: '*/10 * * * *',
      schedule: undefined,
    });
  });

  it('name the models to retrain and when', () => {
    const config = parseWorkerConfig({
      ...base,
      ETL_RETRAIN_MODELS: ' flood ',
      ETL_RETRAIN_TRIGGER_CRON: '*/5 * * * *',
      ETL_RETRAIN_SCHEDULE: '0 3 * * 0',
    });
    assert.deepEqual(config.retraining, {
      models: ['flood'],
      triggerCron: '*/5 * * * *',
      schedule: '0 3 * * 0',
    });
  });

  it('refuse a model without a retraining chain and a pattern that is not cron', () => {
    assert.throws(
      () => parseWorkerConfig({ ...base, ETL_RETRAIN_MODELS: 'flood,aqi' }),
      /ETL_RETRAIN_MODELS: .*"aqi"/,
    );
    assert.throws(
      () => parseWorkerConfig({ ...base, ETL_RETRAIN_SCHEDULE: 'weekly' }),
      /ETL_RETRAIN_SCHEDULE/,
    );
  });
});
