/**
 * US EPA Air Quality Index of one averaged concentration, from the breakpoint tables the model's
 * metadata.json carries (`epa_breakpoints`: 40 CFR 58 App. G Table 2 as amended 2024, TAD
 * EPA-454/B-24-002). A port of training/cityassist_training/aqi/epa.py `aqi()`: truncate to the
 * table's precision (not round), find the band, interpolate linearly, round half up; above the top
 * band report 500 and flag `beyondIndex`.
 *
 * Python does this in exact decimals. Here the truncated concentration is an integer count of the
 * table's quantum (0.1 µg/m³ for PM2.5), so the interpolation is a ratio of integers and the
 * half-up rounding is exact too: no binary-float .5 lands on the wrong side.
 */

export interface EpaBand {
  c_lo: number;
  c_hi: number;
  aqi_lo: number;
  aqi_hi: number;
  category: string;
}

export interface EpaTable {
  averaging: string;
  unit: string;
  decimals: number;
  bands: EpaBand[];
}

/** metadata.json → `epa_breakpoints`. */
export interface EpaBreakpoints {
  source: string;
  categories: { name: string; aqi_lo: number; aqi_hi: number }[];
  pollutants: Record<string, EpaTable>;
}

export interface AqiResult {
  /** The concentration after truncation to the table's precision. */
  concentration: number;
  aqi: number;
  /** The category's name as the table spells it ("Unhealthy for Sensitive Groups"). */
  category: string;
  beyondIndex: boolean;
}

/**
 * The concentration as an integer number of quanta (10^-decimals), truncated toward zero from the
 * shortest decimal that round-trips the float (Python's `repr`), so 35.4 stays 35.4.
 */
function quanta(concentration: number, decimals: number): number {
  const text = String(concentration);
  if (/e/i.test(text)) return concentration < 1 ? 0 : Number.POSITIVE_INFINITY;
  const [whole, fraction = ''] = text.split('.');
  return Number(`${whole}${fraction.padEnd(decimals, '0').slice(0, decimals)}`);
}

/** One pollutant's AQI calculator, its table checked once. */
export class EpaIndex {
  private readonly bands: { lo: number; hi: number; iLo: number; iHi: number; category: string }[];
  private readonly scale: number;

  constructor(
    readonly pollutant: string,
    private readonly table: EpaTable,
  ) {
    if (!Number.isInteger(table.decimals) || table.decimals < 0 || table.bands.length === 0) {
      throw new Error(`epa_breakpoints.${pollutant} has no usable bands`);
    }
    this.scale = 10 ** table.decimals;
    this.bands = table.bands.map((b) => ({
      lo: Math.round(b.c_lo * this.scale),
      hi: Math.round(b.c_hi * this.scale),
      iLo: b.aqi_lo,
      iHi: b.aqi_hi,
      category: b.category,
    }));
    this.bands.forEach((b, i) => {
      const next = this.bands[i + 1];
      if (b.hi <= b.lo || (next && next.lo !== b.hi + 1)) {
        throw new Error(`epa_breakpoints.${pollutant}: band ${i} does not meet the next one quantum apart`);
      }
    });
  }

  static fromBreakpoints(breakpoints: EpaBreakpoints, pollutant: string): EpaIndex {
    const table = breakpoints.pollutants[pollutant];
    if (!table) {
      throw new Error(
        `no EPA table for ${pollutant}; the model has ${Object.keys(breakpoints.pollutants).join(', ')}`,
      );
    }
    return new EpaIndex(pollutant, table);
  }

  get unit(): string {
    return this.table.unit;
  }

  /** The AQI of one concentration averaged over the table's period, in the table's unit. */
  of(concentration: number): AqiResult {
    if (!Number.isFinite(concentration) || concentration < 0) {
      throw new RangeError(
        `${this.pollutant} concentration must be finite and non-negative, got ${concentration}`,
      );
    }
    const c = quanta(concentration, this.table.decimals);
    for (const b of this.bands) {
      if (c <= b.hi) {
        // I = (iHi - iLo) / (hi - lo) · (c - lo) + iLo, rounded half up: floor((2n + d) / 2d) + iLo.
        const n = (b.iHi - b.iLo) * (c - b.lo);
        const d = b.hi - b.lo;
        return {
          concentration: c / this.scale,
          aqi: Math.floor((2 * n + d) / (2 * d)) + b.iLo,
          category: b.category,
          beyondIndex: false,
        };
      }
    }
    const top = this.bands.at(-1)!;
    return {
      concentration: Number.isFinite(c) ? c / this.scale : concentration,
      aqi: top.iHi,
      category: top.category,
      beyondIndex: true,
    };
  }
}
