/**
 * `npm run bench:triage` (part of `npm run bench`): photo triage through the gateway (issue 5), each
 * figure against a baseline measured in the same run (the machines are shared and noisy: compare
 * the ratios and differences, not the milliseconds). The stack runs the four services as processes
 * on PGlite, the gateway in development mode with the response cache off.
 *
 * 1. Latency per image, p50/p95, one request at a time: the persisted SubmitReport with a generated
 *    640×480 JPEG and with a 1600×1200 one (upload, checks, re-encode, store, model, heatmap, row),
 *    against the same SubmitReport without a photo (the baseline: gateway, zone lookup, row). The
 *    difference is what a photo costs. The REST route POST /api/v1/classify/report-image with the
 *    640×480 JPEG too (nothing stored, no heatmap returned).
 * 2. Throughput: rounds of 16 concurrent SubmitReports with distinct 640×480 photos, with the
 *    cross-request batcher (IMAGE_BATCH_WAIT_MS=5; the default is 0) and without it (0, a second stack):
 *    photos per second, round p50/p95, and image-model calls per round from the reports /metrics.
 *
 * The photos are the image model's own synthetic scenes scaled up with sharp, with per-pixel noise
 * so the JPEGs are as large as a phone's photo of that size, not the few KB a smooth upscale gives.
 *
 *   npm run bench:triage -- --runs 30 --rounds 10
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { ROOT } from '../scripts/stack.ts';
import { counter, startTestStack, type TestStack } from '../test/support.ts';
import { measure, percentile, ratio } from './lib.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '10' },
  },
});
const runs = Number(values.runs);
const warmup = Number(values.warmup);
const rounds = Number(values.rounds);
const CONCURRENCY = 16;
/** Fragoso 13: a point inside it. */
const LOCATION = { lat: -7.9928, lon: -34.8617 };

const manifest = JSON.parse(
  await readFile(path.join(ROOT, 'packages/client/src/generated/persisted-documents.json'), 'utf8'),
) as Record<string, string>;
const documentId = (name: string) => {
  const entry = Object.entries(manifest).find(([, doc]) => doc.startsWith(`mutation ${name}(`));
  if (!entry) throw new Error(`no persisted ${name}; run npm run codegen`);
  return entry[0];
};
const SUBMIT = documentId('SubmitReport');

const vectors = JSON.parse(
  await readFile(path.join(ROOT, 'models/image/1.0.0/test_vectors.json'), 'utf8'),
) as { labels: string[]; pixels: { dims: number[]; base64: string } };
const [count, sceneH, sceneW, channels] = vectors.pixels.dims as [number, number, number, 3];
const scenePixels = Buffer.from(vectors.pixels.base64, 'base64');

/** Scene `i` (cycled) at width×height as a JPEG, with noise seeded by `seed`. */
async function photo(i: number, width: number, height: number, seed: number): Promise<Buffer> {
  const size = sceneH * sceneW * channels;
  const k = i % count;
  const raw = await sharp(scenePixels.subarray(k * size, (k + 1) * size), {
    raw: { width: sceneW, height: sceneH, channels },
  })
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer();
  let state = seed * 2654435761 + 1;
  for (let p = 0; p < raw.length; p++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    raw[p] = Math.max(0, Math.min(255, raw[p]! + ((state >>> 24) % 41) - 20));
  }
  return sharp(raw, { raw: { width, height, channels } }).jpeg({ quality: 85 }).toBuffer();
}

interface Answer {
  status: number;
  body: any;
}

async function submit(stack: TestStack, jpeg?: Buffer): Promise<Answer> {
  const headers = { 'x-api-key': stack.apiKeys.admin };
  const variables = { input: { location: LOCATION, description: 'bench' }, photo: null };
  let res: Response;
  if (jpeg) {
    const form = new FormData();
    form.append('operations', JSON.stringify({ documentId: SUBMIT, variables }));
    form.append('map', JSON.stringify({ 0: ['variables.photo'] }));
    form.append('0', new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }), 'photo.jpg');
    res = await fetch(stack.gatewayUrl, { method: 'POST', headers, body: form });
  } else {
    res = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ documentId: SUBMIT, variables }),
    });
  }
  const body = await res.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors).slice(0, 500));
  if (jpeg && !body.data.submitReport.triage) {
    throw new Error('a photo was not triaged (model down or slow?)');
  }
  return { status: res.status, body };
}

async function classify(stack: TestStack, jpeg: Buffer): Promise<Answer> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }), 'photo.jpg');
  const res = await fetch(`${stack.services.gateway.baseUrl}/api/v1/classify/report-image`, {
    method: 'POST',
    headers: { 'x-api-key': stack.apiKeys.admin },
    body: form,
  });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(body)}`);
  return { status: res.status, body };
}

async function withStack<T>(env: Record<string, string>, fn: (stack: TestStack) => Promise<T>): Promise<T> {
  const stack = await startTestStack('PGlite', {
    env: {
      LOG_LEVEL: 'warn',
      REDIS_URL: undefined,
      RESPONSE_CACHE_TTL_MS: '0',
      RATE_LIMIT_PER_IP: '1000000',
      RATE_LIMIT_PER_KEY: '1000000',
      FLOOD_RESCORE_SECONDS: '0',
      TRIAGE_RETRY_INTERVAL_MS: '0',
      ...env,
    },
  });
  if (!stack) throw new Error('the stack did not start');
  try {
    return await fn(stack);
  } finally {
    await stack[Symbol.asyncDispose]();
  }
}

/** `rounds` rounds of 16 concurrent photo reports, each photo distinct. */
async function concurrent(stack: TestStack, photos: Buffer[]) {
  const reports = stack.services.reports.baseUrl;
  const round = (r: number) =>
    Promise.all(
      Array.from({ length: CONCURRENCY }, (_, i) =>
        submit(stack, photos[(r * CONCURRENCY + i) % photos.length]),
      ),
    );
  await round(0);
  const calls0 = await counter(reports, 'inference_calls_total', { model: 'image' });
  const times: number[] = [];
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) {
    const s = performance.now();
    await round(r + 1);
    times.push(performance.now() - s);
  }
  const wall = (performance.now() - t0) / 1000;
  const calls = (await counter(reports, 'inference_calls_total', { model: 'image' })) - calls0;
  times.sort((a, b) => a - b);
  return {
    photosPerSecond: Math.round(((rounds * CONCURRENCY) / wall) * 10) / 10,
    roundP50Ms: Math.round(percentile(times, 50)),
    roundP95Ms: Math.round(percentile(times, 95)),
    modelCallsPerRound: Math.round((calls / rounds) * 10) / 10,
  };
}

const small = await photo(0, 640, 480, 1);
const large = await photo(0, 1600, 1200, 2);
const many = await Promise.all(
  Array.from({ length: CONCURRENCY * 2 }, (_, i) => photo(i, 640, 480, 100 + i)),
);

const batched = await withStack({ IMAGE_BATCH_WAIT_MS: '5' }, async (stack) => {
  const label = (await submit(stack, small)).body.data.submitReport.triage.label as string;
  const baseline = await measure(() => submit(stack), { warmup, runs });
  const photo640 = await measure(() => submit(stack, small), { warmup, runs });
  const photo1600 = await measure(() => submit(stack, large), { warmup, runs });
  const rest640 = await measure(() => classify(stack, small), { warmup, runs });
  // One at a time, for the throughput ratio below.
  const sequentialPerSecond = Math.round((1000 / photo640.p50Ms) * 10) / 10;
  return {
    label,
    baseline,
    photo640,
    photo1600,
    rest640,
    sequentialPerSecond,
    concurrent: await concurrent(stack, many),
  };
});
const unbatched = await withStack({ IMAGE_BATCH_WAIT_MS: '0' }, (stack) => concurrent(stack, many));

const diff = (a: number, b: number) => Math.round((a - b) * 10) / 10;
console.log(
  JSON.stringify(
    {
      latencyPerImage: {
        what: `persisted SubmitReport through the gateway, one at a time, ${runs} runs after ${warmup} warm-up, PGlite, folder store`,
        baselineNoPhoto: { what: 'the same SubmitReport without a photo', ...batched.baseline },
        photo640x480: {
          what: `${Math.round(small.length / 1024)} KiB JPEG, triaged (label ${batched.label})`,
          ...batched.photo640,
        },
        photo1600x1200: {
          what: `${Math.round(large.length / 1024)} KiB JPEG, triaged`,
          ...batched.photo1600,
        },
        triageCostP50Ms: {
          photo640x480: diff(batched.photo640.p50Ms, batched.baseline.p50Ms),
          photo1600x1200: diff(batched.photo1600.p50Ms, batched.baseline.p50Ms),
        },
        triageCostP95Ms: {
          photo640x480: diff(batched.photo640.p95Ms, batched.baseline.p95Ms),
          photo1600x1200: diff(batched.photo1600.p95Ms, batched.baseline.p95Ms),
        },
        photo640OverBaselineP50: ratio(batched.photo640.p50Ms, batched.baseline.p50Ms),
        photo1600OverBaselineP50: ratio(batched.photo1600.p50Ms, batched.baseline.p50Ms),
        restClassify640x480: {
          what: 'POST /api/v1/classify/report-image, same 640×480 JPEG: nothing stored, no heatmap returned',
          ...batched.rest640,
        },
      },
      concurrentPhotos: {
        what: `${rounds} rounds of ${CONCURRENCY} concurrent SubmitReports, distinct 640×480 JPEGs`,
        withBatcher: { what: 'IMAGE_BATCH_WAIT_MS=5', ...batched.concurrent },
        withoutBatcher: { what: 'IMAGE_BATCH_WAIT_MS=0', ...unbatched },
        throughputRatio: ratio(batched.concurrent.photosPerSecond, unbatched.photosPerSecond),
        overSequential: {
          what: 'photos/s with 16 in flight over photos/s one at a time (1000 / p50 of the 640×480 SubmitReport)',
          sequentialPerSecond: batched.sequentialPerSecond,
          ratio: ratio(batched.concurrent.photosPerSecond, batched.sequentialPerSecond),
        },
      },
    },
    null,
    2,
  ),
);
