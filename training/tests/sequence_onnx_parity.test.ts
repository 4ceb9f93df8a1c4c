import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parity } from '../scripts/sequence-parity.ts';

const CANDIDATES = path.resolve(import.meta.dirname, '../experiments/sequence/aqi');

describe('the AQI TCN candidates under onnxruntime-node', () => {
  for (const name of ['airbase-pm10-tcn-1.0.0', 'tcn-1.0.0']) {
    it(`${name} answers its test vectors as torch did, within the folder's tolerance`, async () => {
      const result = await parity(path.join(CANDIDATES, name));
      assert.ok(result.values > 0);
      assert.equal(result.outside_tolerance, 0, JSON.stringify(result));
    });
  }
});
