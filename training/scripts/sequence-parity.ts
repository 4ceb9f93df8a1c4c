/**
 * ONNX parity of an exported TCN folder against its test vectors, with onnxruntime-node (the
 * runtime the Node serving side uses; Debian's Python has no onnxruntime). Exits 1 when a value is
 * outside the folder's tolerance.
 *
 *   node --import tsx training/scripts/sequence-parity.ts training/experiments/sequence/aqi/airbase-pm10-tcn-1.0.0
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';

type Nested = number | Nested[];
interface TestVectors {
  inputs: Record<string, Nested[]>;
  expected: { forecast: Nested[] };
  tolerance: { abs: number; rel: number };
}

export interface Parity {
  values: number;
  max_abs_diff: number;
  outside_tolerance: number;
}

/** Runs the folder's model.onnx on its test vectors and compares with torch's outputs. */
export async function parity(dir: string): Promise<Parity> {
  const v = JSON.parse(readFileSync(path.join(dir, 'test_vectors.json'), 'utf8')) as TestVectors;
  const values = (a: Nested): number[] => (Array.isArray(a) ? a.flatMap(values) : [a]);
  const flat = (a: Nested[]) => Float32Array.from(values(a));
  const dims = (a: Nested): number[] => (Array.isArray(a) ? [a.length, ...dims(a[0]!)] : []);
  const feeds = Object.fromEntries(
    Object.entries(v.inputs).map(([k, a]) => [k, new ort.Tensor('float32', flat(a), dims(a))]),
  );
  const session = await ort.InferenceSession.create(path.join(dir, 'model.onnx'));
  try {
    const out = (await session.run(feeds))['forecast']!.data as Float32Array;
    const want = flat(v.expected.forecast);
    let worst = 0;
    let bad = 0;
    want.forEach((w, i) => {
      const d = Math.abs(out[i]! - w);
      worst = Math.max(worst, d);
      if (d > v.tolerance.abs + v.tolerance.rel * Math.abs(w)) bad++;
    });
    return { values: want.length, max_abs_diff: worst, outside_tolerance: bad };
  } finally {
    await session.release();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: sequence-parity.ts <exported folder>');
  const result = await parity(dir);
  console.log(JSON.stringify(result));
  process.exit(result.outside_tolerance ? 1 : 0);
}
