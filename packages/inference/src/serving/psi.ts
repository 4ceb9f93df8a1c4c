/**
 * Population Stability Index of live values against a reference histogram:
 * PSI = Σ (live% − ref%) · ln(live% / ref%) over the reference's bins. Values below the first edge
 * count in the first bin, above the last in the last; missing values (NaN) are left out. Empty bins
 * get a small floor so the logarithm stays finite (the usual practice; Yurdakul 2018).
 */
export function psi(reference: { bins: number[]; counts: number[] }, live: ArrayLike<number>): number {
  const { bins, counts } = reference;
  const liveCounts = new Array<number>(counts.length).fill(0);
  let n = 0;
  for (let i = 0; i < live.length; i++) {
    const v = live[i]!;
    if (Number.isNaN(v)) continue;
    n++;
    let b = 0;
    // Bins are few (≈10): a linear scan is faster than a binary search here.
    while (b < counts.length - 1 && v >= bins[b + 1]!) b++;
    liveCounts[b]!++;
  }
  if (n === 0) return 0;
  const refTotal = counts.reduce((s, c) => s + c, 0);
  const FLOOR = 1e-4;
  let sum = 0;
  for (let b = 0; b < counts.length; b++) {
    const p = Math.max(liveCounts[b]! / n, FLOOR);
    const q = Math.max(counts[b]! / refTotal, FLOOR);
    sum += (p - q) * Math.log(p / q);
  }
  return sum;
}
