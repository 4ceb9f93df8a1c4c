import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { migrate, onEachDatabase, openDatabase } from '@cityassist/db';
import { pipelineOf, runPipeline } from '@cityassist/etl';
import { FolderOfflineStore, OnlineStore, migrateFeatureStore } from '@cityassist/feature-store';
import { FeatureStore } from './feature-store.ts';

const REPO = path.resolve(import.meta.dirname, '../../../../../..');

const MIGRATIONS = path.join(import.meta.dirname, '../../../migrations');

onEachDatabase((label, open) => {
  describe(`FeatureStore on ${label}`, () => {
    it('serves the newest zone_flood_features row the rain-radar pipeline loaded, with its dataset version', async (t) => {
      await using cfg = await open();
      if (!cfg) return t.skip('no Postgres on this machine');
      const db = await openDatabase(cfg);
      const dir = await mkdtemp(path.join(tmpdir(), 'features-'));
      try {
        await migrateFeatureStore(db);
        await migrate(db, { dir: MIGRATIONS, schema: 'predictions' });
        const run = await runPipeline(
          { db, offline: new FolderOfflineStore(path.join(dir, 'offline')), tempDir: path.join(dir, 'tmp'), repoRoot: REPO },
          pipelineOf('rain-radar'),
          { sources: [path.join(REPO, 'data/rainfall/olinda_radar_sim.nc')], trigger: 'test', requestedBy: 'test' },
        );
        assert.equal(run.status, 'succeeded', JSON.stringify(run));
        const store = new FeatureStore(db);
        const zone = '260960005000001';
        const latest = (await store.latest([zone, 'nowhere'])).get(zone)!;
        assert.equal((await store.latest(['nowhere'])).size, 0);
        assert.equal(latest.datasetVersion, run.dataset_versions.find((v) => v.startsWith('zone_flood_features@')));
        assert.equal(latest.values['elevation_mean_m'], 30.36, 'terrain from data/olinda/terrain.csv');
        assert.equal(latest.values['flooded_fraction'], null, 'no satellite feed');
        // The 24 h sum is the hourly rain the same run loaded, added up by hand.
        const hourly = await new OnlineStore(db).range('zone_rain_hourly', [zone], new Date(latest.asOf.getTime() - 24 * 3_600_000), latest.asOf);
        const sum = hourly.reduce((n, r) => n + (r.values['rain_mm'] ?? 0), 0);
        assert.ok(Math.abs(latest.values['rain_24h_mm']! - sum) < 1e-6, `${latest.values['rain_24h_mm']} vs ${sum}`);
        assert.equal(latest.values['rain_1h_mm'], hourly.at(-1)!.values['rain_mm']);
        const earlier = (await store.latest([zone], new Date(latest.asOf.getTime() - 1))).get(zone)!;
        assert.equal(earlier.asOf.getTime(), latest.asOf.getTime() - 3_600_000);
        // A pushed row is newer and names who pushed it.
        await store.write(zone, new Date(latest.asOf.getTime() + 60_000), { ...latest.values, rain_1h_mm: 99 }, 'api:key:abc');
        const pushed = (await store.latest([zone])).get(zone)!;
        assert.equal(pushed.values['rain_1h_mm'], 99);
        assert.equal(pushed.datasetVersion, 'api:key:abc');
      } finally {
        await db.close();
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});
