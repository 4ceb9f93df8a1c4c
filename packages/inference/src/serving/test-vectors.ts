import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { OnnxModel } from '../session.ts';
import { assertTestVectorsContract } from './contract.ts';

/** Tolerance between the native library's probabilities and ONNX Runtime's (float32 trees). */
const TOLERANCE = 1e-5;

/**
 * Scores the model's own test vectors (computed by the native library at training time) and throws
 * when ONNX Runtime disagrees, so a broken export never serves. A version without test vectors does
 * not serve either: nothing would then prove the file is the model that was evaluated. Returns how
 * many rows were checked.
 */
export async function verifyTestVectors(model: OnnxModel, dir: string): Promise<number> {
  const file = path.join(dir, 'test_vectors.json');
  const vectors = (await readTestVectors(dir, model.metadata.task)) as {
    inputs: (number | null)[][];
    probabilities: number[];
  } & Partial<OutputVectors>;
  if (!Array.isArray(vectors.inputs) || vectors.inputs.length === 0) {
    throw new Error(`${file}: no test vector inputs`);
  }
  const width = model.featureNames.length;
  const data = Float32Array.from(vectors.inputs.flatMap((row) => row.map((v) => v ?? Number.NaN)));
  if (data.length !== vectors.inputs.length * width) {
    throw new Error(`${dir}: test vectors are not ${width} wide`);
  }
  if (vectors.expected) return verifyOutputs(model, dir, data, vectors as OutputVectors);
  const got = await model.predictProbability(data, vectors.inputs.length);
  vectors.probabilities.forEach((expected, i) => {
    if (Math.abs(got[i]! - expected) > TOLERANCE) {
      throw new Error(`${dir}: test vector ${i} gives ${got[i]}, the native model gave ${expected}`);
    }
  });
  return vectors.inputs.length;
}

/**
 * Regressors (the AQI forecaster) list every output's expected values with a tolerance:
 * `{"expected": {"forecast": [[…]], …}, "tolerance": {"forecast": {"abs": 1e-5, "scale": "level"}}}`,
 * where `scale: "level"` multiplies the tolerance by max(1, the row's `level` input).
 */
interface OutputVectors {
  inputs: (number | null)[][];
  expected: Record<string, (number | null)[][]>;
  tolerance: Record<string, { abs: number; scale?: string }>;
}

async function verifyOutputs(
  model: OnnxModel,
  dir: string,
  data: Float32Array,
  vectors: OutputVectors,
): Promise<number> {
  const n = vectors.inputs.length;
  const outputs = await model.run(data, n);
  const levelAt = model.featureNames.indexOf('level');
  for (const [name, expected] of Object.entries(vectors.expected)) {
    const got = outputs[name]?.data as Float32Array | undefined;
    const tol = vectors.tolerance[name];
    if (!got || !tol) throw new Error(`${dir}: no output or tolerance for ${name}`);
    expected.forEach((row, i) => {
      const scale = tol.scale === 'level' && levelAt >= 0 ? Math.max(1, vectors.inputs[i]![levelAt] ?? 1) : 1;
      row.forEach((e, j) => {
        const g = got[i * row.length + j]!;
        const ok = e === null ? Number.isNaN(g) : Math.abs(g - e) <= tol.abs * scale;
        if (!ok) {
          throw new Error(`${dir}: test vector ${i} gives ${name}[${j}] = ${g}, the native model gave ${e}`);
        }
      });
    });
  }
  return n;
}

/**
 * A version's test_vectors.json, checked against the contract for its task. Every model proves
 * itself with it before it serves: a missing file is an error, never a pass.
 */
export async function readTestVectors(dir: string, task: string): Promise<unknown> {
  const file = path.join(dir, 'test_vectors.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new Error(`${dir}: no test_vectors.json; a model without test vectors does not serve`);
  }
  const raw: unknown = JSON.parse(text);
  assertTestVectorsContract(raw, task, file);
  return raw;
}
