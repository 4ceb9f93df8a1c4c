/**
 * Tracing through the whole stack (docs/tracing.md): the four services as processes on Postgres
 * (PGlite when there is none, off CI) and Redis, exporting OTLP/HTTP JSON to a receiver on
 * loopback. The dashboard's persisted CityOutlook, sent with a client's `traceparent`, must come
 * back as one trace that continues the client's: the gateway's spans, the zones and predictions
 * subgraphs' under them, and under predictions the flood and AQI model calls with their versions;
 * every log line of the request names that trace. A report filed with a `traceparent` must carry
 * that trace across Redis into the subscription event it publishes, and a photo report's triage
 * (decoding, the image model, the heatmap) must be in its client's trace too.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sceneImages } from '@cityassist/inference/testing';
import { ROOT } from '../scripts/stack.ts';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver.ts';
import { startTestStack, type TestStack } from './support.ts';

const MANIFEST = path.join(ROOT, 'packages/client/src/generated/persisted-documents.json');
const documentIdOf = async (operation: string) => {
  const manifest = JSON.parse(await readFile(MANIFEST, 'utf8')) as Record<string, string>;
  const entry = Object.entries(manifest).find(([, doc]) =>
    new RegExp(`^(query|mutation|subscription) ${operation}\\b`).test(doc),
  );
  assert.ok(entry, `no persisted ${operation}`);
  return entry[0];
};

/** A W3C traceparent (version 00, sampled) for a fresh trace, as a client would send it. */
function clientTraceparent() {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, header: `00-${traceId}-${spanId}-01` };
}

/** A trace's spans with their ancestry. */
function treeOf(spans: ReceivedSpan[], traceId: string) {
  const mine = spans.filter((s) => s.traceId === traceId);
  const byId = new Map(mine.map((s) => [s.spanId, s]));
  const ancestors = (s: ReceivedSpan) => {
    const out: ReceivedSpan[] = [];
    for (
      let p = s.parentSpanId && byId.get(s.parentSpanId);
      p;
      p = p.parentSpanId && byId.get(p.parentSpanId)
    ) {
      out.push(p);
    }
    return out;
  };
  return { spans: mine, byId, ancestors };
}

const ZONE = '260960005000013';

describe('tracing, client to model call', () => {
  let stack: (TestStack & AsyncDisposable) | undefined;
  let otlp: OtlpReceiver;
  let postgres = false;

  before(async () => {
    otlp = await startOtlpReceiver();
    const options = {
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        // Export within a tenth of a second instead of five, so the test need not wait.
        OTEL_BSP_SCHEDULE_DELAY: '100',
        REDIS_URL: 'redis://127.0.0.1:6379',
        REDIS_KEY_PREFIX: `e2e-${randomBytes(4).toString('hex')}:`,
        // Info, so the request's own log lines are there to check; no cache in front of the models,
        // so every CityOutlook calls them.
        LOG_LEVEL: 'info',
        RESPONSE_CACHE_TTL_MS: '0',
        PREDICTION_CACHE_TTL_SECONDS: '0',
        FLOOD_RESCORE_SECONDS: '0',
        // A first model call on a cold, shared machine may take seconds; a fallback has no model span.
        MODEL_TIMEOUT_MS: '30000',
      },
    };
    // Postgres when there is one (on CI always), so the database spans are pg's.
    stack = await startTestStack('Postgres', options);
    postgres = stack !== undefined;
    stack ??= await startTestStack('PGlite', options);
  });
  after(async () => {
    await stack?.[Symbol.asyncDispose]();
    await otlp?.[Symbol.asyncDispose]();
  });

  it('follows CityOutlook from the client’s traceparent through the gateway and both subgraphs to the flood and AQI model calls', async () => {
    assert.ok(stack);
    const client = clientTraceparent();
    const res = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: client.header },
      body: JSON.stringify({ documentId: await documentIdOf('CityOutlook') }),
    });
    const body = (await res.json()) as { data?: { zones: { totalCount: number } }; errors?: unknown[] };
    assert.equal(res.status, 200);
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    assert.equal(body.data?.zones.totalCount, 470);
    const requestId = res.headers.get('x-request-id');

    const isInference = (s: ReceivedSpan, model: string) =>
      s.traceId === client.traceId && s.name === 'model.inference' && s.attributes['model.name'] === model;
    await otlp.waitFor(
      (spans) => spans.some((s) => isInference(s, 'flood')) && spans.some((s) => isInference(s, 'aqi')),
    );
    // The gateway's request span ends last: wait for it too.
    await otlp.waitFor((spans) =>
      spans.some(
        (s) => s.traceId === client.traceId && s.service === 'gateway' && s.parentSpanId === client.spanId,
      ),
    );
    const trace = treeOf(otlp.spans, client.traceId);

    // One trace, continuing the client's: its root's parent is the client's span.
    const roots = trace.spans.filter((s) => !s.parentSpanId || !trace.byId.has(s.parentSpanId));
    assert.deepEqual(
      roots.map((r) => [r.service, r.parentSpanId]),
      [['gateway', client.spanId]],
    );
    assert.deepEqual([...new Set(trace.spans.map((s) => s.service))].sort(), [
      'gateway',
      'predictions',
      'zones',
    ]);
    assert.equal(roots[0]!.attributes['hive.request.id'], requestId);

    // Each subgraph's server span hangs under the gateway's fetch to it.
    const serverSpan = (service: string) => {
      const span = trace.spans.find((s) => s.service === service && s.kind === 2);
      assert.ok(span, `no server span from ${service}`);
      const parent = trace.byId.get(span.parentSpanId!);
      assert.equal(parent?.service, 'gateway');
      assert.equal(parent?.name, 'http.fetch');
      return span;
    };
    serverSpan('zones');
    const predictions = serverSpan('predictions');

    for (const model of ['flood', 'aqi']) {
      const inference = trace.spans.find((s) => isInference(s, model));
      assert.ok(inference, `no ${model} inference span`);
      assert.equal(inference.service, 'predictions');
      assert.equal(inference.attributes['model.version'], model === 'flood' ? '1.2.0' : '1.0.0');
      assert.ok(['worker', 'inline'].includes(String(inference.attributes['model.backend'])));
      assert.ok(Number(inference.attributes['model.rows']) > 0);
      assert.equal(inference.attributes['model.batch.id'], inference.spanId);
      const chain = trace.ancestors(inference);
      assert.ok(chain.includes(predictions), `${model}: not under the predictions span`);
      const predict = chain.find((s) => s.name === 'model.predict');
      assert.deepEqual(predict?.attributes['model.batch.ids'], [inference.spanId]);
    }
    // TreeSHAP for the flood explanations, and the cache asked first (with the cache off: all misses).
    const explain = trace.spans.find((s) => s.name === 'model.explain');
    assert.equal(explain?.attributes['explain.method'], 'treeshap');
    assert.ok(trace.spans.some((s) => s.name === 'treeshap.explain'));
    // graphql-js's execution, without a span per field (wrapping every resolver costs too much).
    assert.ok(trace.spans.some((s) => s.service === 'predictions' && s.name === 'query CityOutlook'));
    assert.equal(trace.spans.filter((s) => s.name.startsWith('graphql.resolve')).length, 0);
    // DataLoader's batches, without a span per key (470 zones would be 1,400 of them).
    assert.ok(trace.spans.some((s) => s.name.startsWith('dataloader.batch')));
    assert.equal(trace.spans.filter((s) => s.name.startsWith('dataloader.load')).length, 0);
    if (postgres) {
      const db = trace.spans.filter(
        (s) => s.attributes['db.system.name'] === 'postgresql' || s.attributes['db.system'] === 'postgresql',
      );
      assert.ok(
        db.some((s) => s.service === 'zones'),
        'no pg span from zones',
      );
    }

    // Every log line the request wrote, in every service, names its trace and a span of it.
    assert.ok(requestId);
    const lines = Object.values(stack.services).flatMap((svc) =>
      svc
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{') && l.includes(requestId))
        .map((l) => ({ service: svc.name, line: JSON.parse(l) as Record<string, unknown> })),
    );
    assert.deepEqual([...new Set(lines.map((l) => l.service))].sort(), ['gateway', 'predictions', 'zones']);
    for (const { service, line } of lines) {
      assert.equal(line['traceId'], client.traceId, `${service}: ${JSON.stringify(line)}`);
      assert.ok(
        trace.byId.has(String(line['spanId'])),
        `${service}: spanId ${String(line['spanId'])} is not in the trace`,
      );
    }
  });

  it('carries a report’s trace across Redis into the reportSubmitted event it publishes', async () => {
    assert.ok(stack);
    const admin = { 'x-api-key': stack.apiKeys.admin };
    const controller = new AbortController();
    const sse = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...admin },
      body: JSON.stringify({
        documentId: await documentIdOf('ReportSubmitted'),
        variables: { zoneId: ZONE },
      }),
      signal: controller.signal,
    });
    assert.equal(sse.status, 200);
    const reader = sse.body!.getReader();
    const delivered = (async () => {
      let text = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        text += new TextDecoder().decode(value);
        const match = /event: next\ndata: (.+)\n/.exec(text);
        if (match) return JSON.parse(match[1]!) as { data: { reportSubmitted: { id: string } } };
      }
    })();
    delivered.catch(() => undefined);
    try {
      // The subscription reaches the subgraph before the report is filed.
      await new Promise((r) => setTimeout(r, 1000));
      const client = clientTraceparent();
      const made = await fetch(stack.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', traceparent: client.header, ...admin },
        body: JSON.stringify({
          documentId: await documentIdOf('CreateReport'),
          variables: { input: { zoneId: ZONE, description: 'traced e2e', category: 'GARBAGE' } },
        }),
      });
      const created = (await made.json()) as { data: { createReport: { id: string } } };
      const event = await Promise.race([
        delivered,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no event in 15 s')), 15_000)),
      ]);
      assert.equal(event.data.reportSubmitted.id, created.data.createReport.id);

      await otlp.waitFor(
        (spans) =>
          spans.some((s) => s.traceId === client.traceId && s.name === 'process REPORT_SUBMITTED') &&
          spans.some((s) => s.traceId === client.traceId && s.parentSpanId === client.spanId),
      );
      const trace = treeOf(otlp.spans, client.traceId);
      const publish = trace.spans.find((s) => s.name === 'publish REPORT_SUBMITTED');
      const consume = trace.spans.find((s) => s.name === 'process REPORT_SUBMITTED');
      assert.ok(publish && consume);
      assert.equal(publish.service, 'reports');
      assert.equal(publish.kind, 4, 'PRODUCER');
      assert.equal(consume.kind, 5, 'CONSUMER');
      assert.equal(consume.parentSpanId, publish.spanId);
      assert.equal(consume.attributes['messaging.system'], 'redis');
      assert.equal(consume.attributes['messaging.destination.name'], 'REPORT_SUBMITTED');
      // The publish is part of the mutation's own trace, under the gateway's request.
      assert.ok(
        trace.ancestors(publish).some((s) => s.service === 'gateway' && s.parentSpanId === client.spanId),
      );
    } finally {
      controller.abort();
    }
  });

  it('follows a photo report through triage: decoding, the image model’s batch and the heatmap, in the client’s trace', async () => {
    assert.ok(stack);
    const scenes = await sceneImages();
    const png = await scenes.pothole.clone().png().toBuffer();
    const client = clientTraceparent();
    const form = new FormData();
    form.append(
      'operations',
      JSON.stringify({
        documentId: await documentIdOf('SubmitReport'),
        variables: {
          input: { location: { lat: -7.9928, lon: -34.8617 }, description: 'traced hole' },
          photo: null,
        },
      }),
    );
    form.append('map', JSON.stringify({ 0: ['variables.photo'] }));
    form.append('0', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'hole.png');
    const res = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { traceparent: client.header, 'x-api-key': stack.apiKeys.admin },
      body: form,
    });
    const body = (await res.json()) as {
      data?: { submitReport: { triage: { label: string } | null } };
      errors?: unknown;
    };
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    assert.equal(body.data?.submitReport.triage?.label, 'pothole');

    await otlp.waitFor(
      (spans) =>
        spans.some((s) => s.traceId === client.traceId && s.name === 'image.triage') &&
        spans.some((s) => s.traceId === client.traceId && s.parentSpanId === client.spanId),
    );
    const trace = treeOf(otlp.spans, client.traceId);
    const triage = trace.spans.find((s) => s.name === 'image.triage');
    assert.equal(triage?.service, 'reports');
    assert.equal(triage.attributes['triage.outcome'], 'done');
    assert.equal(triage.attributes['triage.label'], 'pothole');
    assert.equal(triage.attributes['model.version'], '1.1.0');
    for (const name of ['image.decode', 'model.predict', 'model.inference', 'image.heatmap']) {
      const span = trace.spans.find((s) => s.name === name);
      assert.ok(span, `no ${name} span`);
      assert.ok(trace.ancestors(span).includes(triage), `${name} is not under image.triage`);
    }
    const inference = trace.spans.find((s) => s.name === 'model.inference')!;
    assert.equal(inference.attributes['model.name'], 'image');
    assert.equal(inference.attributes['model.backend'], 'worker');
    assert.equal(trace.spans.find((s) => s.name === 'image.decode')!.attributes['image.width'], 128);
  });
});
