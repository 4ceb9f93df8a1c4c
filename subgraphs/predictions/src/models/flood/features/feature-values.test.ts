import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FeatureSpec } from '@cityassist/inference';
import { validateFeatureValues } from './feature-values.ts';

const champion = [
  { name: 'rain_1h_mm', min: 0, max: 250 },
  { name: 'low_lying_share', min: 0, max: 1 },
] as FeatureSpec[];
const stored = ['rain_1h_mm', 'low_lying_share', 'flooded_fraction'];

describe('validateFeatureValues', () => {
  it("accepts a stored feature the champion does not read (flood 1.2.0 and 1.0.0's flooded_fraction)", () => {
    assert.deepEqual(
      validateFeatureValues(
        champion,
        [
          { name: 'rain_1h_mm', value: 12 },
          { name: 'flooded_fraction', value: 0.9 },
        ],
        stored,
      ),
      { rain_1h_mm: 12, flooded_fraction: 0.9 },
    );
  });

  it('EXPECTED FAILURE - refuses a name neither the champion nor the view knows, and a champion input out of range', () => {
    assert.throws(
      () => validateFeatureValues(champion, [{ name: 'wind', value: 3 }], stored),
      (e: { extensions?: { code?: string } }) => e.extensions?.code === 'BAD_USER_INPUT',
    );
    assert.throws(
      () => validateFeatureValues(champion, [{ name: 'rain_1h_mm', value: -1 }], stored),
      (e: { extensions?: { code?: string } }) => e.extensions?.code === 'MODEL_INPUT_INVALID',
    );
    assert.throws(
      () => validateFeatureValues(champion, [{ name: 'flooded_fraction', value: 0.1 }]),
      /unknown feature flooded_fraction/,
      'without the view, only the champion’s names',
    );
  });
});
