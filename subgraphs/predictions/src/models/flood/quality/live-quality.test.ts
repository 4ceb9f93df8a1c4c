import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { qualityOf } from './live-quality.ts';

const pairs = (scores: number[], flooded: number[]) =>
  scores.map((score, i) => ({ score, flooded: flooded[i] === 1 }));

describe('qualityOf', () => {
  it('counts tied scores half, as the ROC curve does', () => {
    // Flooded 0.8 beats both dry hours, flooded 0.3 ties one (0.3) and beats 0.1: (2 + 1.5) / 4.
    assert.equal(qualityOf(pairs([0.8, 0.3, 0.3, 0.1], [1, 1, 0, 0])).rocAuc, 0.875);
  });

  it('EXPECTED FAILURE - no ROC-AUC with one class only, and nothing at all with no samples', () => {
    const dry = qualityOf(pairs([0.2, 0.1], [0, 0]));
    assert.equal(dry.rocAuc, null);
    assert.equal(dry.rocAucInterval, null);
    assert.ok(Math.abs(dry.brier! - (0.04 + 0.01) / 2) < 1e-12);
    const none = qualityOf([]);
    assert.deepEqual([none.samples, none.rocAuc, none.brier, none.calibration], [0, null, null, []]);
  });

  it('puts a probability of 1 in the last band, and every row in exactly one', () => {
    const q = qualityOf(pairs([0, 0.05, 0.1, 0.55, 0.99, 1], [0, 0, 0, 1, 1, 1]));
    assert.deepEqual(
      q.calibration.map((b) => [b.lower, b.count, b.observedRate]),
      [
        [0, 2, 0],
        [0.1, 1, 0],
        [0.5, 1, 1],
        [0.9, 2, 1],
      ],
    );
    assert.equal(q.rocAuc, 1);
  });
});
