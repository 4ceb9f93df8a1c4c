import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parity } from '../scripts/sequence-parity.ts';

const TCN = path.resolve(import.meta.dirname, '../experiments/sequence/aqi/airbase-pm10-tcn-1.0.0');

describe('the AirBase TCN candidate under onnxruntime-node', () => {
  it("answers its test vectors as torch did, within the folder's tolerance", async () => {
    const result = await parity(TCN);
    assert.equal(result.values, 960);
    assert.equal(result.outside_tolerance, 0, JSON.stringify(result));
  });
});
