import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { SpanKind } from '@opentelemetry/api';

const PROBE = path.join(import.meta.dirname, '../fixtures/telemetry-probe.ts');

interface ProbeReport {
  answer: { data?: { hello?: string } };
  tracing: boolean;
  hooks: string[];
  loaded: string[];
}

/** Runs the probe as a service process with exactly these OTEL_* variables (none of the runner's). */
async function probe(otel: Record<string, string>): Promise<ProbeReport> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_')));
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', PROBE], {
    env: { ...env, ...otel },
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as ProbeReport;
}

/** An OTLP/HTTP JSON receiver that keeps the names and parents of the spans it is sent. */
async function receiver() {
  const spans: { name: string; kind: number; spanId: string; parentSpanId?: string; traceId: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const parsed = JSON.parse(body) as {
        resourceSpans: { scopeSpans: { spans: (typeof spans)[number][] }[] }[];
      };
      for (const rs of parsed.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    [Symbol.asyncDispose]: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('startTelemetry', () => {
  it('with no OTLP endpoint set starts nothing: no tracer provider, no module hook, no SDK or exporter loaded', async () => {
    const report = await probe({ OTEL_SERVICE_NAME: 'probe', OTEL_TRACES_SAMPLER: 'always_on' });
    assert.equal(report.answer.data?.hello, 'world');
    assert.equal(report.tracing, false);
    assert.deepEqual(report.hooks, []);
    assert.deepEqual(report.loaded, []);
  });

  it('with OTEL_SDK_DISABLED=true starts nothing either, endpoint or not', async () => {
    const report = await probe({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
      OTEL_SDK_DISABLED: 'true',
    });
    assert.equal(report.tracing, false);
    assert.deepEqual(report.loaded, []);
  });

  it('with an endpoint, traces node:http and graphql imported after it under ESM, and exports as http/json', async () => {
    await using otlp = await receiver();
    const report = await probe({
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    });
    assert.equal(report.answer.data?.hello, 'world');
    assert.equal(report.tracing, true);
    assert.deepEqual(report.hooks, ['@opentelemetry/instrumentation/hook.mjs']);
    assert.ok(report.loaded.some((f) => f.includes('sdk-node')));
    const names = otlp.spans.map((s) => s.name);
    // The client's GET, the server's span (OTLP numbers kinds from 1, the API from 0) continuing its trace, and graphql-js's execution.
    const client = otlp.spans.find((s) => s.name === 'GET' && s.kind === SpanKind.CLIENT + 1);
    const server = otlp.spans.find((s) => s.name === 'GET' && s.parentSpanId === client?.spanId);
    assert.ok(client && server, `spans: ${names.join(', ')}`);
    assert.equal(server.traceId, client.traceId);
    const query = otlp.spans.find((s) => s.name === 'query Hello');
    assert.ok(query, `spans: ${names.join(', ')}`);
    assert.equal(query.traceId, client.traceId);
  });
});
