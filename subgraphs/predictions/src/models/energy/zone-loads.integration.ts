import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { onEachDatabase, openDatabase, type TestDatabase } from '@cityassist/db';
import { pipelineOf, runPipeline } from '@cityassist/etl';
import { FolderOfflineStore, migrateFeatureStore } from '@cityassist/feature-store';
import { assertFeatureSpec, windowFeatures, type EnergyFeatureSpec } from './energy-features.ts';
import { ZoneLoads } from './zone-loads.ts';

const ROOT = path.resolve(import.meta.dirname, '../../../../..');
const EXTRACT = path.join(ROOT, 'data/energy/olinda_zone_load.csv');

async function servedSpec(): Promise<EnergyFeatureSpec> {
  const metadata = JSON.parse(await readFile(path.join(ROOT, 'models/energy/1.0.0/metadata.json'), 'utf8'));
  const spec = metadata.feature_spec as EnergyFeatureSpec;
  return assertFeatureSpec(spec, spec.columns.map((c) => c.name));
}

/**
 * The reference: how the server read this extract before the feature store (a wide CSV read
 * straight into each zone's columns, an empty cell NaN, every zone anchored at the last row).
 */
async function snapshotRows(file: string, spec: EnergyFeatureSpec, upTo?: Date) {
  const [head, ...lines] = (await readFile(file, 'utf8')).trim().split('\n');
  const zones = head!.split(',').slice(2);
  const rows = lines.map((l) => l.split(',')).filter((r) => !upTo || new Date(r[0]!) <= upTo);
  const cell = (c: string | undefined) => (c === undefined || c === '' ? Number.NaN : Number(c));
  const anchor = new Date(rows.at(-1)![0]!);
  const temps = Float64Array.from(rows, (r) => cell(r[1]));
  return {
    anchor,
    zones,
    rowOf: (z: number) => windowFeatures(Float64Array.from(rows, (r) => cell(r[z + 2])), temps, anchor, spec),
  };
}

/** A migrated feature store with `files` loaded by the energy-load pipeline. */
async function storeWith(cfg: TestDatabase, files: string[]) {
  const dir = await mkdtemp(path.join(tmpdir(), 'zone-loads-'));
  const db = await openDatabase(cfg);
  await migrateFeatureStore(db);
  const deps = { db, offline: new FolderOfflineStore(path.join(dir, 'offline')), tempDir: path.join(dir, 'tmp'), repoRoot: ROOT };
  const run = await runPipeline(deps, pipelineOf('energy-load'), { sources: files, trigger: 'test', requestedBy: 'test:energy' });
  assert.equal(run.status, 'succeeded', JSON.stringify(run));
  return {
    db,
    dir,
    async [Symbol.asyncDispose]() {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Equal as the model sees them: the same float32 bits, NaN included. */
function assertSameRow(actual: Float32Array | null, expected: Float32Array | null, what: string) {
  assert.ok(actual && expected, `${what}: both rows built`);
  assert.deepEqual(new Uint32Array(actual.buffer), new Uint32Array(expected.buffer), what);
}

onEachDatabase((label, open) => {
  describe(`the energy model's windows from the feature store on ${label}`, () => {
    it('builds, for every zone, the very input row the CSV snapshot gave: the same answers', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      await using store = await storeWith(cfg, [EXTRACT]);
      const spec = await servedSpec();
      const reference = await snapshotRows(EXTRACT, spec);
      const windows = await new ZoneLoads(store.db, spec.step_seconds, spec.history_steps).windows(reference.zones);
      assert.equal(windows.size, reference.zones.length);
      let compared = 0;
      let tooFew = 0;
      reference.zones.forEach((zoneId, z) => {
        const w = windows.get(zoneId)!;
        assert.equal(w.anchor.toISOString(), reference.anchor.toISOString(), zoneId);
        const expected = reference.rowOf(z);
        const actual = windowFeatures(w.loads, w.temperatures, w.anchor, spec);
        if (expected === null) {
          assert.equal(actual, null, `${zoneId}: too few readings either way`);
          tooFew++;
        } else {
          assertSameRow(actual, expected, zoneId);
          compared++;
        }
      });
      // Two zones of the extract have lost their last day's readings (data/energy/SOURCE.md).
      assert.deepEqual([compared, tooFew], [reference.zones.length - 2, 2]);
    });

    it('reads nothing after the time asked: a later hour loaded changes no earlier window', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      const spec = await servedSpec();
      const full = await snapshotRows(EXTRACT, spec);
      // The extract, plus an hour after its end with an absurd load: it must not reach `at`.
      const dir = await mkdtemp(path.join(tmpdir(), 'zone-loads-late-'));
      t.after(() => rm(dir, { recursive: true, force: true }));
      const late = path.join(dir, 'late.csv');
      const after = new Date(full.anchor.getTime() + 3_600_000);
      await writeFile(late, `zone_id,datetime,load_kw,temp_c\n${full.zones[0]},${after.toISOString()},99999,45\n`);
      await using store = await storeWith(cfg, [EXTRACT, late]);
      const loads = new ZoneLoads(store.db, spec.step_seconds, spec.history_steps);

      const newest = (await loads.windows([full.zones[0]!])).get(full.zones[0]!)!;
      assert.equal(newest.anchor.toISOString(), after.toISOString(), 'asked for the newest: the late hour is it');
      assert.equal(newest.loads.at(-1), 99999);

      for (const at of [full.anchor, new Date(full.anchor.getTime() + 1_800_000), new Date(full.anchor.getTime() - 5 * 3_600_000)]) {
        const upTo = new Date(Math.floor(at.getTime() / 3_600_000) * 3_600_000);
        const reference = await snapshotRows(EXTRACT, spec, upTo);
        const w = (await loads.windows([full.zones[0]!], at)).get(full.zones[0]!)!;
        assert.equal(w.anchor.toISOString(), upTo.toISOString(), `at ${at.toISOString()}`);
        assert.ok(w.rows.every((r) => r.asOf <= at), 'no row after the time asked');
        assertSameRow(windowFeatures(w.loads, w.temperatures, w.anchor, spec), reference.rowOf(0), `at ${at.toISOString()}`);
      }
    });
  });
});
