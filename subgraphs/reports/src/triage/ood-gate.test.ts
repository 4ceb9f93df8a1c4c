import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ImageModelMetadata } from '@cityassist/inference';
import type { Classification } from './image-classifier.ts';
import { applyGate, logSumExp } from './ood-gate.ts';

const classification: Classification = {
  label: 'fallen_tree',
  confidence: 0.9,
  scores: [{ label: 'fallen_tree', score: 0.9 }],
  heatmapPng: Buffer.alloc(0),
  region: { x: 0, y: 0, width: 1, height: 1 },
  width: 1,
  height: 1,
  model: { name: 'image', version: 'x' },
};
const gated = {
  gate: { kind: 'mahalanobis+energy', rejectedLabel: 'unknown' },
} as unknown as ImageModelMetadata;
const ungated = {} as unknown as ImageModelMetadata;
/** log_softmax of [2, 0, -1] plus `margin`: how a gated graph writes its logits (ood.py). */
const rowWithMargin = (margin: number) => {
  const raw = [2, 0, -1];
  const lse = logSumExp(raw);
  return Float32Array.from(raw, (v) => v - lse + margin);
};

describe('applyGate', () => {
  it('reads the margin back from the logits', () => {
    for (const m of [-20, -0.5, 0, 3.25, 20]) assert.ok(Math.abs(logSumExp(rowWithMargin(m)) - m) < 1e-5);
  });

  it('keeps an accepted photo as it is, and records the margin', () => {
    const c = applyGate(classification, gated, rowWithMargin(1.5));
    assert.equal(c.label, 'fallen_tree');
    assert.equal(c.gate?.accepted, true);
    assert.ok(Math.abs(c.gate.margin - 1.5) < 1e-5);
  });

  it('EXPECTED FAILURE - a refused photo is unknown; the top class and scores stay for the reviewer', () => {
    const c = applyGate(classification, gated, rowWithMargin(-2));
    assert.equal(c.label, 'unknown');
    assert.equal(c.gate?.accepted, false);
    assert.equal(c.gate?.topLabel, 'fallen_tree');
    assert.deepEqual(c.scores, classification.scores);
  });

  it('EXPECTED FAILURE - NaN logits are refused, not accepted', () => {
    assert.equal(applyGate(classification, gated, Float32Array.of(Number.NaN, 0)).label, 'unknown');
  });

  it('leaves a version without a gate (1.0.0) untouched', () => {
    assert.equal(applyGate(classification, ungated, rowWithMargin(-5)), classification);
  });
});
