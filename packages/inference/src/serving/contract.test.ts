import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadTreeExplainer } from '@cityassist/treeshap';
import { assertMetadataContract, assertTestVectorsContract, ContractError } from './contract.ts';

const MODELS = path.resolve(import.meta.dirname, '../../../../models');
const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
const versions = readdirSync(MODELS).flatMap((name) =>
  readdirSync(path.join(MODELS, name)).map((version) => path.join(MODELS, name, version)),
);

describe('the training–serving contract (schema/contracts)', () => {
  it('holds for every committed models/*/*/', () => {
    assert.ok(versions.length >= 5, `found ${versions.length} model versions`);
    for (const dir of versions) {
      const meta = read(path.join(dir, 'metadata.json'));
      assertMetadataContract(meta, `${dir}/metadata.json`);
      assertTestVectorsContract(read(path.join(dir, 'test_vectors.json')), meta['task'] as string, dir);
    }
  });

  it('every committed tree model can be explained: its ONNX file carries the covers TreeSHAP reads', async () => {
    const tabular = versions.filter(
      (dir) => !String(read(path.join(dir, 'metadata.json'))['task']).startsWith('image-'),
    );
    assert.ok(tabular.length >= 6, `${tabular.length} tree models`);
    for (const dir of tabular) {
      const explainer = await loadTreeExplainer(path.join(dir, 'model.onnx')).catch((err: unknown) => {
        throw new Error(`${dir}: ${String(err)}`);
      });
      assert.ok(explainer.nFeatures > 0, dir);
    }
  });

  it('names every violation of a broken metadata.json with its path', () => {
    const meta = read(path.join(MODELS, 'flood/1.0.0/metadata.json'));
    const broken = { ...meta, version: 'v1', lineage: undefined, surprise: true };
    delete broken.lineage;
    assert.throws(
      () => assertMetadataContract(broken, 'flood/metadata.json'),
      (err: unknown) =>
        err instanceof ContractError &&
        err.violations.some((v) => v.startsWith('/version')) &&
        err.violations.some((v) => v.includes('lineage')) &&
        /flood\/metadata\.json/.test(err.message),
    );
  });

  it("refuses test vectors whose shape is not their task's", () => {
    const aqi = read(path.join(MODELS, 'aqi/1.0.0/test_vectors.json'));
    assert.throws(() => assertTestVectorsContract(aqi, 'binary-classification', 'x'), ContractError);
    const noWindows = { ...aqi };
    delete noWindows['windows'];
    assert.throws(() => assertTestVectorsContract(noWindows, 'multi-horizon-forecast', 'x'), /windows/);
    assert.throws(() => assertTestVectorsContract(aqi, 'regression', 'x'), /no test-vector shape/);
  });
});
