/**
 * Seeded randomness for the scripts that make the simulated raw extracts (`make-*.ts`), so every
 * machine writes the same bytes from the same seed.
 */
export interface Random {
  /** Uniform in [0, 1). */
  (): number;
  /** Poisson-distributed count (Knuth's method: exact, fast for small rates). */
  poisson(lambda: number): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
}

/** mulberry32: a small seeded PRNG. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Object.assign(next, {
    poisson(lambda: number) {
      const limit = Math.exp(-lambda);
      let k = 0;
      for (let p = next(); p > limit; p *= next()) k++;
      return k;
    },
    normal() {
      return Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
    },
  });
}
