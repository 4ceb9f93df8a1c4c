import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { psi } from './psi.ts';

const reference = { bins: [0, 1, 2, 3, 4], counts: [400, 300, 200, 100] };
const sample = (shares: number[], n = 1000) =>
  Float32Array.from(shares.flatMap((share, b) => new Array<number>(Math.round(share * n)).fill(b + 0.5)));

describe('psi', () => {
  it('is about zero when live data follow the reference', () => {
    assert.ok(psi(reference, sample([0.4, 0.3, 0.2, 0.1])) < 1e-9);
  });

  it('grows past 0.25 when the mass moves to the other end', () => {
    assert.ok(psi(reference, sample([0.1, 0.2, 0.3, 0.4])) > 0.25);
  });

  it('counts values outside the edges in the end bins and leaves NaN out', () => {
    const live = Float32Array.from([-5, 0.5, 0.5, 0.5, 1.5, 1.5, 1.5, 2.5, 2.5, 99, Number.NaN]);
    // 4 / 3 / 2 / 1 over ten values: exactly the reference shape.
    assert.ok(psi(reference, live) < 1e-9);
  });

  it('is zero with no values at all', () => {
    assert.equal(psi(reference, Float32Array.from([Number.NaN])), 0);
  });
});
