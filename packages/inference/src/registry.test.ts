import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  compareVersions,
  isCandidateVersion,
  isServedVersion,
  listVersions,
  resolveVersion,
} from './registry.ts';

describe('model versions on disk', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'registry-'));
    for (const v of ['1.0.0', '1.10.0', '1.9.2', 'airbase-pm10-1.0.0', 'taylor-2.0.0']) {
      await mkdir(path.join(dir, 'm', v), { recursive: true });
    }
    await mkdir(path.join(dir, 'only-validation', 'taylor-1.0.0'), { recursive: true });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('orders versions numerically, part by part', () => {
    assert.ok(compareVersions('1.10.0', '1.9.2') > 0);
    assert.equal(compareVersions('1.0', '1.0.0'), 0);
  });

  it('EXPECTED FAILURE - `latest` is the highest served x.y.z, never a prefixed validation model', async () => {
    assert.deepEqual(await listVersions(dir, 'm'), [
      '1.0.0',
      '1.9.2',
      '1.10.0',
      'airbase-pm10-1.0.0',
      'taylor-2.0.0',
    ]);
    assert.equal(await resolveVersion(dir, 'm', 'latest'), '1.10.0');
    assert.equal(
      await resolveVersion(dir, 'm', 'taylor-2.0.0'),
      'taylor-2.0.0',
      'by name it is a version like any',
    );
    assert.ok(isServedVersion('2.0.1') && !isServedVersion('airbase-pm10-1.0.0'));
  });

  it('a retraining candidate (x.y.z-r<UTC minute>) may serve but is never `latest`', () => {
    assert.ok(isCandidateVersion('1.2.0-r202612041852') && isCandidateVersion('1.2.0-r202612041852-smoke'));
    assert.ok(!isServedVersion('1.2.0-r202612041852'), 'so resolveVersion(latest) skips it');
    for (const v of ['1.2.0', 'airbase-pm10-1.0.0', '1.2.0-r2026', 'x-1.2.0-r202612041852']) {
      assert.ok(!isCandidateVersion(v), v);
    }
  });

  it('EXPECTED FAILURE - a model with only validation versions has no `latest`', async () => {
    await assert.rejects(resolveVersion(dir, 'only-validation', 'latest'), /no served \(x\.y\.z\) versions/);
  });
});
