import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ZoneLoads } from './zone-loads.ts';

describe('the zone load snapshot reader', () => {
  let dir: string;
  const file = async (name: string, text: string) => {
    const p = path.join(dir, name);
    await writeFile(p, text);
    return p;
  };
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'zone-loads-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('reads loads per zone, missing cells as NaN, the last hour as anchor', async () => {
    const loads = await ZoneLoads.fromFile(
      await file(
        'ok.csv',
        'at_utc,temp_c,z1,z2\n2015-06-30T22:00:00Z,21.5,10.5,\n2015-06-30T23:00:00Z,,11,3.25\n',
      ),
      3600,
    );
    assert.equal(loads.zoneCount, 2);
    assert.equal(loads.anchor.toISOString(), '2015-06-30T23:00:00.000Z');
    assert.deepEqual([...loads.loadsOf('z1')!], [10.5, 11]);
    assert.ok(Number.isNaN(loads.loadsOf('z2')![0]!));
    assert.ok(Number.isNaN(loads.temperatures[1]!));
    assert.equal(loads.loadsOf('z3'), undefined);
  });

  const refused: [string, string, RegExp][] = [
    ['empty', '', /header must be at_utc,temp_c/],
    ['no zones', 'at_utc,temp_c\n2015-06-30T22:00:00Z,20\n', /header must be/],
    ['no rows', 'at_utc,temp_c,z1\n', /no rows/],
    ['twice', 'at_utc,temp_c,z1,z1\n2015-06-30T22:00:00Z,20,1,1\n', /appears twice/],
    ['short row', 'at_utc,temp_c,z1\n2015-06-30T22:00:00Z,20\n', /:2: 2 cells, the header has 3/],
    ['local time', 'at_utc,temp_c,z1\n2015-06-30T22:00:00-03:00,20,1\n', /:2: at_utc is not a UTC time/],
    ['gap', 'at_utc,temp_c,z1\n2015-06-30T22:00:00Z,20,1\n2015-07-01T00:00:00Z,20,1\n', /:3: .* not 3600 s after/],
    ['negative', 'at_utc,temp_c,z1\n2015-06-30T22:00:00Z,20,-4\n', /:2: z1 is not a number ≥ 0: "-4"/],
    ['text', 'at_utc,temp_c,z1\n2015-06-30T22:00:00Z,warm,4\n', /:2: temp_c is not a number/],
    ['infinite', 'at_utc,temp_c,z1\n2015-06-30T22:00:00Z,20,Infinity\n', /z1 is not a number/],
  ];
  for (const [name, text, error] of refused) {
    it(`refuses a file with ${name}, naming the line`, async () => {
      await assert.rejects(ZoneLoads.fromFile(await file(`${name}.csv`, text), 3600), error);
    });
  }
});
