import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { RawOutputs } from '@cityassist/inference';

/**
 * What the multi-horizon forecasters (AQI, energy) share beyond the machinery: their ONNX graphs end
 * the same way (a ratio to the recent level, widened by conformal offsets), and each proves at load
 * that its feature code rebuilds the worked windows training wrote.
 */

/**
 * The graph's last step with the trees' output set to 0: per horizon, `base[h] × level` and its
 * interval `max(0, (base[h] + q[h] × sigma) × level)`, in float32 as the graph computes it. The
 * forecasters' documented fallback (persistence for AQI, seasonal naive for energy).
 */
export function conformalBaseline(
  base: readonly number[],
  level: number,
  sigma: number,
  q: { qLo: readonly number[]; qHi: readonly number[] },
): RawOutputs {
  const f = Math.fround;
  const band = (h: number, offset: number) => Math.max(0, f(f(base[h]! + f(f(offset) * sigma)) * level));
  return {
    forecast: base.map((b) => Math.max(0, f(b * level))),
    lower: base.map((_, h) => band(h, q.qLo[h]!)),
    upper: base.map((_, h) => band(h, q.qHi[h]!)),
  };
}

/** One worked example of test_vectors.json → `windows`: raw history and the features it must give. */
export interface WorkedWindow {
  anchor: string;
  /** null: the reference does not forecast from this history. */
  features: (number | null)[] | null;
  [raw: string]: unknown;
}

/**
 * Rebuilds every worked window of a version's test vectors with this service's feature code and
 * throws at the first feature that differs from the reference (relative 1e-5; null = NaN), so
 * serving never feeds the model rows built by other rules than the ones it was trained on.
 * Returns how many were checked.
 */
export async function verifyWindows(
  dir: string,
  names: readonly string[],
  build: (w: WorkedWindow) => Float32Array | null,
): Promise<number> {
  const vectors = JSON.parse(await readFile(path.join(dir, 'test_vectors.json'), 'utf8')) as {
    windows?: WorkedWindow[];
  };
  const windows = vectors.windows ?? [];
  windows.forEach((w, i) => {
    const got = build(w);
    const where = `${dir}: worked window ${i} (${w.anchor})`;
    if (w.features === null || got === null) {
      if (w.features !== got) throw new Error(`${where} is ${got ? '' : 'not '}forecast here, unlike the reference`);
      return;
    }
    const bad = w.features.findIndex((e, j) => {
      const g = got[j];
      if (g === undefined) return true;
      return e === null ? !Number.isNaN(g) : !(Math.abs(g - e) <= 1e-5 * Math.max(1, Math.abs(e)));
    });
    if (bad >= 0) throw new Error(`${where}: the features differ from the reference at ${names[bad]}`);
  });
  return windows.length;
}
