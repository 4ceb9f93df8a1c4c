// Parity of every exported image model with torch: models/image/<version>/model.onnx, run by
// onnxruntime-node on the version's test_vectors.json, must reproduce torch's logits and class
// activation maps to 1e-4. Also checks the serving contract written in metadata.json: the
// documented normalisation turns the vectors' pixels into exactly the tensor torch was given, the
// batch axis is dynamic, and logits[c] = mean(cam[c]) + bias[c] (for a version with an
// out-of-distribution gate, 1.1.0+: up to one number per image, the same for every class, and
// logsumexp(logits) equals the `gate` output, which is what serving reads).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';

// CITYASSIST_IMAGE_MODELS_DIR points the test at another models/image folder (a smoke run's).
const modelsDir =
  process.env['CITYASSIST_IMAGE_MODELS_DIR'] ?? path.resolve(import.meta.dirname, '../../models/image');
const TOLERANCE = 1e-4;

interface Encoded {
  dims: number[];
  base64: string;
}

interface Vectors {
  tolerance: number;
  classes: string[];
  pixels: Encoded;
  input: Encoded & { name: string };
  expected: { logits: { dims: number[]; values: number[][] }; cam: Encoded };
}

interface Metadata {
  classes: string[];
  onnx: { file: string; input: string; outputs: { logits: string; cam: string; gate?: string } };
  input: { height: number; width: number; channels: number; mean: number[]; std: number[] };
  outputs: { cam: { dims: (string | number)[]; bias: number[] } };
}

/** Little-endian bytes to a typed array; copied, because Buffer slices need not be 4-byte aligned. */
function decode(b64: string): Uint8Array {
  return new Uint8Array(Buffer.from(b64, 'base64'));
}

function float32(b64: string): Float32Array {
  return new Float32Array(decode(b64).buffer);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'length mismatch');
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

const versions = existsSync(modelsDir)
  ? readdirSync(modelsDir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(path.join(modelsDir, e.name, 'model.onnx')))
      .map((e) => e.name)
  : [];

describe('image model ONNX parity with torch', () => {
  it('finds at least one exported model', () => {
    assert.ok(versions.length > 0, `no ${modelsDir}/*/model.onnx`);
  });

  for (const version of versions) {
    const dir = path.join(modelsDir, version);
    const meta = JSON.parse(readFileSync(path.join(dir, 'metadata.json'), 'utf8')) as Metadata;
    const vectors = JSON.parse(readFileSync(path.join(dir, 'test_vectors.json'), 'utf8')) as Vectors;
    const [n, channels, height, width] = vectors.input.dims as [number, number, number, number];
    const input = float32(vectors.input.base64);
    const expectedLogits = Float32Array.from(vectors.expected.logits.values.flat());
    const expectedCam = float32(vectors.expected.cam.base64);
    const k = meta.classes.length;
    const camSize = (vectors.expected.cam.dims[2] ?? 0) * (vectors.expected.cam.dims[3] ?? 0);

    describe(`image ${version}`, () => {
      it('declares the documented input and outputs', () => {
        assert.deepEqual(vectors.classes, meta.classes);
        assert.equal(meta.onnx.input, vectors.input.name);
        assert.deepEqual(
          [channels, height, width],
          [meta.input.channels, meta.input.height, meta.input.width],
        );
        assert.equal(input.length, n * channels * height * width);
        assert.equal(expectedLogits.length, n * k);
        assert.equal(expectedCam.length, n * k * camSize);
      });

      it('normalising the pixels as metadata.json documents gives the tensor torch was given', () => {
        const pixels = decode(vectors.pixels.base64); // NHWC uint8
        const mean = meta.input.mean.map(Math.fround);
        const std = meta.input.std.map(Math.fround);
        let worst = 0;
        for (let b = 0; b < n; b++) {
          for (let c = 0; c < channels; c++) {
            for (let y = 0; y < height; y++) {
              for (let x = 0; x < width; x++) {
                const p = pixels[((b * height + y) * width + x) * channels + c]!;
                // One float32 operation at a time, as numpy does in training.
                const v = Math.fround(Math.fround(Math.fround(p / 255) - mean[c]!) / std[c]!);
                const t = input[((b * channels + c) * height + y) * width + x]!;
                worst = Math.max(worst, Math.abs(v - t));
              }
            }
          }
        }
        assert.ok(worst <= 1e-6, `normalisation differs by ${worst}`);
      });

      it(`batched logits and CAMs match torch to ${TOLERANCE}`, async () => {
        const session = await ort.InferenceSession.create(path.join(dir, meta.onnx.file));
        try {
          const out = await session.run({
            [meta.onnx.input]: new ort.Tensor('float32', input, [n, channels, height, width]),
          });
          const logits = out[meta.onnx.outputs.logits]!;
          const cam = out[meta.onnx.outputs.cam]!;
          assert.deepEqual(logits.dims, [n, k]);
          assert.deepEqual(cam.dims, vectors.expected.cam.dims);
          const dl = maxAbsDiff(logits.data as Float32Array, expectedLogits);
          const dc = maxAbsDiff(cam.data as Float32Array, expectedCam);
          assert.ok(dl <= Math.min(TOLERANCE, vectors.tolerance), `logits differ by ${dl}`);
          assert.ok(dc <= Math.min(TOLERANCE, vectors.tolerance), `cams differ by ${dc}`);

          // The contract serving relies on: logits[c] = mean(cam[c]) + bias[c] + offset, where the
          // offset is 0 without a gate and one number per image (the same for every class) with one.
          const camData = cam.data as Float32Array;
          const logitData = logits.data as Float32Array;
          const gateName = meta.onnx.outputs.gate;
          for (let b = 0; b < n; b++) {
            const offsets: number[] = [];
            for (let c = 0; c < k; c++) {
              const i = b * k + c;
              let sum = 0;
              for (let j = 0; j < camSize; j++) sum += camData[i * camSize + j]!;
              offsets.push(logitData[i]! - (sum / camSize + meta.outputs.cam.bias[c]!));
            }
            const spread = Math.max(...offsets) - Math.min(...offsets);
            assert.ok(
              spread <= 10 * TOLERANCE,
              `image ${b}: the offset differs between classes by ${spread}`,
            );
            if (!gateName) assert.ok(Math.abs(offsets[0]!) <= TOLERANCE, `image ${b}: offset ${offsets[0]}`);
          }
          if (gateName) {
            const gate = out[gateName]!.data as Float32Array;
            assert.equal(gate.length, n);
            for (let b = 0; b < n; b++) {
              const row = Array.from(logitData.subarray(b * k, (b + 1) * k));
              const max = Math.max(...row);
              const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
              assert.ok(
                Math.abs(lse - gate[b]!) <= 10 * TOLERANCE,
                `image ${b}: logsumexp ${lse}, gate ${gate[b]}`,
              );
            }
          }
        } finally {
          await session.release();
        }
      });

      it('gives the same answer one image at a time (dynamic batch axis)', async () => {
        const session = await ort.InferenceSession.create(path.join(dir, meta.onnx.file));
        try {
          const size = channels * height * width;
          for (let b = 0; b < n; b++) {
            const one = input.slice(b * size, (b + 1) * size);
            const out = await session.run({
              [meta.onnx.input]: new ort.Tensor('float32', one, [1, channels, height, width]),
            });
            const dl = maxAbsDiff(
              out[meta.onnx.outputs.logits]!.data as Float32Array,
              expectedLogits.slice(b * k, (b + 1) * k),
            );
            const dc = maxAbsDiff(
              out[meta.onnx.outputs.cam]!.data as Float32Array,
              expectedCam.slice(b * k * camSize, (b + 1) * k * camSize),
            );
            assert.ok(dl <= TOLERANCE && dc <= TOLERANCE, `vector ${b}: logits ${dl}, cams ${dc}`);
          }
        } finally {
          await session.release();
        }
      });
    });
  }
});
