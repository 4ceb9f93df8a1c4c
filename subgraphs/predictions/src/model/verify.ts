import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { OnnxModel } from '@cityassist/inference';

/** Tolerance between the native library's probabilities and ONNX Runtime's (float32 trees). */
const TOLERANCE = 1e-5;

/**
 * Scores the model's own test vectors (computed by the native library at training time) and throws
 * when ONNX Runtime disagrees, so a broken export never serves. Returns how many rows were checked.
 */
export async function verifyTestVectors(model: OnnxModel, dir: string): Promise<number> {
  let vectors: { inputs: (number | null)[][]; probabilities: number[] };
  try {
    vectors = JSON.parse(await readFile(path.join(dir, 'test_vectors.json'), 'utf8')) as typeof vectors;
  } catch {
    return 0;
  }
  const width = model.featureNames.length;
  const data = Float32Array.from(vectors.inputs.flatMap((row) => row.map((v) => v ?? Number.NaN)));
  if (data.length !== vectors.inputs.length * width) {
    throw new Error(`${dir}: test vectors are not ${width} wide`);
  }
  const got = await model.predictProbability(data, vectors.inputs.length);
  vectors.probabilities.forEach((expected, i) => {
    if (Math.abs(got[i]! - expected) > TOLERANCE) {
      throw new Error(`${dir}: test vector ${i} gives ${got[i]}, the native model gave ${expected}`);
    }
  });
  return vectors.inputs.length;
}
