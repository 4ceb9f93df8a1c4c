// Parity of every exported flood-segmentation U-Net with torch: models/flood-segmentation/<version>/
// model.onnx, run by onnxruntime-node on the version's test_vectors.json, must reproduce torch's
// per-pixel logits to 1e-4. The vectors come in more than one height and width, so this also checks
// that the H/W axes are dynamic (the served input is the whole city window, training used 64x64).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';

// CITYASSIST_FLOOD_SEGMENTATION_MODELS_DIR points the test at another folder (a smoke run's).
const modelsDir =
  process.env['CITYASSIST_FLOOD_SEGMENTATION_MODELS_DIR'] ??
  path.resolve(import.meta.dirname, '../../models/flood-segmentation');
const TOLERANCE = 1e-4;

interface Encoded {
  dims: number[];
  base64: string;
}

interface Vectors {
  tolerance: number;
  channels: string[];
  vectors: { mode: string; input: Encoded & { name: string }; expected: { logits: Encoded } }[];
}

interface Metadata {
  task: string;
  onnx: { file: string; input: string; outputs: { logits: string } };
  input: { channels: string[]; layout: string };
}

/** Little-endian float32 from base64; copied, because Buffer slices need not be 4-byte aligned. */
function float32(b64: string): Float32Array {
  return new Float32Array(new Uint8Array(Buffer.from(b64, 'base64')).buffer);
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

describe('flood-segmentation ONNX parity with torch', () => {
  it('finds at least one exported model', () => {
    assert.ok(versions.length > 0, `no ${modelsDir}/*/model.onnx`);
  });

  for (const version of versions) {
    const dir = path.join(modelsDir, version);
    const meta = JSON.parse(readFileSync(path.join(dir, 'metadata.json'), 'utf8')) as Metadata;
    const vectors = JSON.parse(readFileSync(path.join(dir, 'test_vectors.json'), 'utf8')) as Vectors;

    describe(`flood-segmentation ${version}`, () => {
      it('declares the documented input and output', () => {
        assert.equal(meta.task, 'image-segmentation');
        assert.deepEqual(vectors.channels, meta.input.channels);
        assert.equal(meta.input.layout, 'NCHW');
        assert.ok(vectors.vectors.length >= 2, 'at least two vectors');
        const sizes = new Set(vectors.vectors.map((v) => `${v.input.dims[2]}x${v.input.dims[3]}`));
        assert.ok(sizes.size >= 2, `vectors of one size only: ${[...sizes].join(', ')}`);
        for (const v of vectors.vectors) {
          assert.equal(v.input.name, meta.onnx.input);
          const [n, c, h, w] = v.input.dims as [number, number, number, number];
          assert.equal(c, meta.input.channels.length);
          assert.ok(h % 4 === 0 && w % 4 === 0, `H, W multiples of 4, got ${h}x${w}`);
          assert.deepEqual(v.expected.logits.dims, [n, 1, h, w]);
          assert.equal(float32(v.input.base64).length, n * c * h * w);
        }
      });

      it(`per-pixel logits match torch to ${TOLERANCE} at every size (dynamic H/W)`, async () => {
        const session = await ort.InferenceSession.create(path.join(dir, meta.onnx.file));
        try {
          for (const v of vectors.vectors) {
            const out = await session.run({
              [meta.onnx.input]: new ort.Tensor('float32', float32(v.input.base64), v.input.dims),
            });
            const logits = out[meta.onnx.outputs.logits]!;
            assert.deepEqual(logits.dims, v.expected.logits.dims);
            const d = maxAbsDiff(logits.data as Float32Array, float32(v.expected.logits.base64));
            assert.ok(
              d <= Math.min(TOLERANCE, vectors.tolerance),
              `${v.mode} ${v.input.dims.join('x')}: differs by ${d}`,
            );
          }
        } finally {
          await session.release();
        }
      });
    });
  }
});
