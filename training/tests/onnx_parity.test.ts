/**
 * ONNX parity: every `models/<name>/<version>/model.onnx` that ships tree test vectors must give, in
 * ONNX Runtime, the probabilities the native library (XGBoost) computed for those inputs, to 1e-5,
 * missing values (null -> NaN) included.
 *
 *   cd /work/main && node --import tsx --test training/tests/onnx_parity.test.ts
 *
 * Test vectors of other shapes (e.g. a CNN's logits) are left to their own tests and reported as
 * skipped here.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';

const modelsDir = path.resolve(import.meta.dirname, '../../models');
const TOLERANCE = 1e-5;

interface TreeVectors {
  inputs: (number | null)[][];
  probabilities: number[];
  margins?: number[];
}

interface Metadata {
  onnx: { file: string; input: string; outputs: Record<string, string>; positiveClassIndex?: number };
  features: { name: string }[];
}

function modelDirs(): string[] {
  if (!existsSync(modelsDir)) return [];
  return readdirSync(modelsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      readdirSync(path.join(modelsDir, d.name), { withFileTypes: true })
        .filter((v) => v.isDirectory())
        .map((v) => path.join(modelsDir, d.name, v.name)),
    )
    .filter(
      (dir) => existsSync(path.join(dir, 'model.onnx')) && existsSync(path.join(dir, 'test_vectors.json')),
    );
}

function isTreeVectors(v: unknown): v is TreeVectors {
  const x = v as Partial<TreeVectors>;
  return (
    Array.isArray(x.inputs) &&
    Array.isArray(x.probabilities) &&
    x.probabilities.every((p) => typeof p === 'number') &&
    x.inputs.length === x.probabilities.length
  );
}

const dirs = modelDirs();

test('there is at least one model with test vectors', () => {
  assert.ok(dirs.length > 0, `no models/*/*/model.onnx with test_vectors.json under ${modelsDir}`);
});

for (const dir of dirs) {
  const name = path.relative(modelsDir, dir);
  const vectors: unknown = JSON.parse(readFileSync(path.join(dir, 'test_vectors.json'), 'utf8'));
  const metadataFile = path.join(dir, 'metadata.json');
  const metadata = existsSync(metadataFile)
    ? (JSON.parse(readFileSync(metadataFile, 'utf8')) as Metadata)
    : null;
  const tree = isTreeVectors(vectors) && metadata !== null;

  test(
    `${name}: ONNX Runtime matches the native probabilities to ${TOLERANCE}`,
    { skip: !tree && 'not tree test vectors' },
    async () => {
      const v = vectors as TreeVectors;
      const m = metadata!;
      const width = m.features.length;
      const rows = v.inputs.length;
      const data = new Float32Array(rows * width);
      let missing = 0;
      v.inputs.forEach((row, i) => {
        assert.equal(
          row.length,
          width,
          `row ${i} has ${row.length} values, metadata lists ${width} features`,
        );
        row.forEach((x, j) => {
          if (x === null) missing++;
          data[i * width + j] = x === null ? Number.NaN : x;
        });
      });
      assert.ok(missing > 0, 'the test vectors should exercise missing values');

      const session = await ort.InferenceSession.create(path.join(dir, m.onnx.file));
      try {
        const out = await session.run({ [m.onnx.input]: new ort.Tensor('float32', data, [rows, width]) });
        const probs = out[m.onnx.outputs['probabilities']!]!;
        const labels = out[m.onnx.outputs['label']!]!;
        assert.deepEqual(probs.dims, [rows, 2]);
        const pos = m.onnx.positiveClassIndex ?? 1;
        const p = probs.data as Float32Array;
        const l = labels.data as BigInt64Array;
        let worst = 0;
        for (let i = 0; i < rows; i++) {
          const got = p[i * 2 + pos]!;
          const want = v.probabilities[i]!;
          worst = Math.max(worst, Math.abs(got - want));
          assert.ok(Math.abs(got - want) <= TOLERANCE, `row ${i}: onnx ${got} vs native ${want}`);
          assert.ok(Math.abs(p[i * 2]! + got - 1) <= 1e-6, `row ${i}: probabilities do not sum to 1`);
          // The label is the positive class exactly when the margin is positive (p > 0.5).
          if (v.margins && Math.abs(v.margins[i]!) > 1e-4) {
            assert.equal(l[i], v.margins[i]! > 0 ? 1n : 0n, `row ${i}: label`);
          }
        }
        assert.ok(worst <= TOLERANCE);
      } finally {
        await session.release();
      }
    },
  );
}
