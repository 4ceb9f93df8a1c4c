import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../config.ts';
import { telemetryPlan } from './settings.ts';

describe('telemetryPlan', () => {
  it('is off when no OTLP endpoint is set, whatever else is', () => {
    assert.deepEqual(telemetryPlan('zones', {}), { enabled: false });
    assert.deepEqual(
      telemetryPlan('zones', {
        OTEL_SERVICE_NAME: 'x',
        OTEL_TRACES_SAMPLER: 'always_on',
        OTEL_EXPORTER_OTLP_ENDPOINT: '',
      }),
      { enabled: false },
    );
  });

  it('is on with an endpoint, named after the service, with the specification’s default sampler', () => {
    assert.deepEqual(telemetryPlan('zones', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), {
      enabled: true,
      serviceName: 'zones',
      endpoint: 'http://collector:4318',
      sampler: 'parentbased_always_on',
      ratio: 1,
    });
  });

  it('takes OTEL_SERVICE_NAME, the traces-only endpoint and the sampler with its ratio', () => {
    const plan = telemetryPlan('zones', {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces',
      OTEL_SERVICE_NAME: 'zones-eu',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.1',
    });
    assert.deepEqual(plan, {
      enabled: true,
      serviceName: 'zones-eu',
      endpoint: 'http://collector:4318/v1/traces',
      sampler: 'parentbased_traceidratio',
      ratio: 0.1,
    });
  });

  it('is off with OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none, endpoint or not', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    assert.deepEqual(telemetryPlan('zones', { ...endpoint, OTEL_SDK_DISABLED: 'true' }), { enabled: false });
    assert.deepEqual(telemetryPlan('zones', { ...endpoint, OTEL_TRACES_EXPORTER: 'none' }), {
      enabled: false,
    });
  });

  for (const [name, value] of [
    ['OTEL_TRACES_SAMPLER', 'parentbased_alwayson'],
    ['OTEL_TRACES_SAMPLER_ARG', '1.5'],
    ['OTEL_EXPORTER_OTLP_PROTOCOL', 'json'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318'],
    ['OTEL_TRACES_EXPORTER', 'zipkin'],
  ] as const) {
    it(`EXPECTED FAILURE - ${name}=${value} stops the start with the variable's name`, () => {
      assert.throws(
        () => telemetryPlan('zones', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', [name]: value }),
        (err: unknown) => err instanceof ConfigError && err.message.includes(`${name}:`),
      );
    });
  }
});
