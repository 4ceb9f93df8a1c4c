import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { RADAR_ERRORS, RadarError } from './errors.ts';

describe('rain-radar error catalogue', () => {
  it('EXPECTED FAILURE - the README error table and errors.ts list different codes', () => {
    const readme = readFileSync(path.join(import.meta.dirname, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('## Errors'));
    const documented = [...table.matchAll(/^\| `(RADAR_[A-Z_]+)` \|/gm)].map((m) => m[1]);
    assert.deepEqual(documented.sort(), Object.keys(RADAR_ERRORS).sort());
  });

  it('EXPECTED FAILURE - a code is raised that the catalogue does not hold', () => {
    const raised = new Set<string>();
    for (const file of ['radar.ts', 'overlay.ts']) {
      const text = readFileSync(path.join(import.meta.dirname, file), 'utf8');
      for (const m of text.matchAll(/new RadarError\(\s*'([A-Z_]+)'/g)) raised.add(m[1]!);
    }
    assert.deepEqual(
      [...raised].filter((c) => !(c in RADAR_ERRORS)),
      [],
    );
    assert.ok(raised.size >= Object.keys(RADAR_ERRORS).length, 'every catalogued code is raised somewhere');
  });

  it('is an Error with a stable code and the cause kept', () => {
    const cause = new RangeError('offset');
    const err = new RadarError('RADAR_NOT_NETCDF', 'x.nc: cut', { cause });
    assert.ok(err instanceof Error);
    assert.equal(err.name, 'RadarError');
    assert.equal(err.code, 'RADAR_NOT_NETCDF');
    assert.equal(err.cause, cause);
  });
});
