import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { assertFeatureSpec, windowFeatures, type EnergyFeatureSpec } from './energy-features.ts';

const DIR = path.resolve(import.meta.dirname, '../../../../../models/energy/1.0.0');
const meta = JSON.parse(readFileSync(path.join(DIR, 'metadata.json'), 'utf8'));
const vectors = JSON.parse(readFileSync(path.join(DIR, 'test_vectors.json'), 'utf8')) as {
  windows: {
    kind: string;
    anchor: string;
    readings: (number | null)[];
    temperatures: (number | null)[] | null;
    features: (number | null)[] | null;
  }[];
};
const names: string[] = meta.feature_spec.columns.map((c: { name: string }) => c.name);

describe('energy features, against the reference implementation (training/…/energy/features.py)', () => {
  const spec = assertFeatureSpec(meta.feature_spec, names);

  for (const w of vectors.windows) {
    it(`rebuilds the worked window "${w.kind}" at ${w.anchor}`, () => {
      const got = windowFeatures(w.readings, w.temperatures, new Date(w.anchor), spec);
      if (w.features === null) return assert.equal(got, null);
      assert.ok(got, 'forecast');
      w.features.forEach((e, j) => {
        if (e === null) assert.ok(Number.isNaN(got[j]), `${names[j]} is NaN`);
        else assert.ok(Math.abs(got[j]! - e) <= 1e-5 * Math.max(1, Math.abs(e)), `${names[j]}: ${got[j]} vs ${e}`);
      });
    });
  }

  it('covers the hard cases: missing readings, a too-short history, temperature gaps, a week boundary', () => {
    const kinds = new Set(vectors.windows.map((w) => w.kind));
    for (const k of ['missing_readings', 'too_short', 'temperature_gap', 'week_boundary']) assert.ok(kinds.has(k), k);
  });

  it('refuses a feature spec it cannot follow', () => {
    const bad = (patch: Partial<EnergyFeatureSpec>, columns = names) =>
      assert.throws(() => assertFeatureSpec({ ...meta.feature_spec, ...patch }, columns));
    bad({ resolution: 'daily' as never });
    bad({ history_steps: 100 }); // the weekly lags reach 168 steps back
    bad({ columns: [...spec.columns, { name: 'x', op: 'moon_phase' as never }] });
    bad({ columns: spec.columns.filter((c) => c.op !== 'level') }, names.slice(1));
    bad({}, [...names].reverse());
  });
});
