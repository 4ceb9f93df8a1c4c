import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createTestDatabase, openDatabase } from '@cityassist/db';
import { subgraphUnderTest } from '@cityassist/service-kit/testing';
import { startPredictionsService } from '../service.ts';
import { capturedLogger, testConfig } from '../testing.ts';

/**
 * Issue 17 part 2: the embedded default (the committed extracts, the committed models) is the
 * training data's own world, so a fresh start must not call it drift. Before the window monitor,
 * every start logged three DRIFT lines (the rain features of the 470 zones of one storm hour against
 * four years of pooled rows) with their retraining triggers, and the first dashboard query 57 more
 * (the energy model's inputs of one hour against a year and a half of hours).
 */
describe('a fresh start of the embedded default', () => {
  const { logger, lines } = capturedLogger();
  let url = '';
  const subject = subgraphUnderTest(
    async () => {
      const db = await createTestDatabase();
      url = db?.url ?? '';
      return db;
    },
    (d) => startPredictionsService(testConfig(d), logger),
  );

  it('logs no drift change and records no retraining trigger, after a dashboard asked every zone too', async (t) => {
    if (!subject.server) return t.skip('no Postgres');
    // What a dashboard's first look asks: every zone's energy demand and air quality (before, the
    // energy model's row monitor called 57 of its 59 inputs DRIFT on this one query).
    const terrain = readFileSync(
      path.resolve(import.meta.dirname, '../../../../data/olinda/terrain.csv'),
      'utf8',
    );
    const reps = terrain
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => ({ __typename: 'Zone', id: l.split(',')[0]! }));
    const asked = await subject.gql(
      `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Zone {
         energyDemand(hours: 1) { asOf } aqiForecast(hours: 1) { asOf } } } }`,
      { reps },
    );
    assert.ok(asked.data, JSON.stringify(asked.errors?.slice(0, 2)));
    await new Promise((r) => setTimeout(r, 100));
    const energy = (
      await subject.gql('{ modelHealth(name: "energy") { driftMethod windowRows drift { level } } }')
    ).data!['modelHealth'];
    assert.equal(energy.driftMethod, 'WINDOW');
    assert.ok(energy.windowRows >= 400, `${energy.windowRows} energy rows`);
    assert.ok(energy.drift.every((d: { level: string }) => d.level === 'STABLE'));
    const { data } = await subject.gql(
      `{ modelHealth(name: "flood") { version windowRows driftMethod driftWindow { start slices closed }
          drift { feature psi level changedZoneCount fingerprintMatches statistics { name value } } } }`,
    );
    const health = data!['modelHealth'];
    assert.equal(health.driftMethod, 'WINDOW');
    // One storm hour is one slice of an open window: nothing to judge yet, however wet it is.
    assert.deepEqual(health.driftWindow, { start: '2015-03-15T00:00:00.000Z', slices: 1, closed: false });
    // The terrain is checked at once, zone by zone, and equals training exactly.
    const elevation = health.drift.find((d: { feature: string }) => d.feature === 'elevation_mean_m');
    assert.ok(
      health.drift.every((d: { psi: number }) => Number.isFinite(d.psi)),
      'every feature has a PSI, one whose feed is absent (flooded_fraction) too',
    );
    assert.deepEqual(elevation, {
      feature: 'elevation_mean_m',
      psi: 0,
      level: 'STABLE',
      changedZoneCount: 0,
      fingerprintMatches: true,
      statistics: null,
    });
    assert.ok(health.windowRows >= 400, `${health.windowRows} rows scored at start`);
    const drifted = lines.filter((l) => l['msg'] === 'feature drift changed');
    assert.deepEqual(
      drifted.map((l) => `${String(l['model'])}/${String(l['feature'])} ${String(l['driftLevel'])}`),
      [],
      'no drift line at start',
    );
    assert.ok(
      !health.drift.some((d: { level: string }) => d.level === 'DRIFT'),
      JSON.stringify(health.drift),
    );
    const db = await openDatabase({ url });
    try {
      const triggers = await db.query<{ details: unknown }>(
        'select details from predictions.retraining_trigger',
      );
      assert.deepEqual(triggers, [], 'no retraining trigger at start');
    } finally {
      await db.close();
    }
  });

  it('EXPECTED DRIFT - a zone pushed with another elevation: one DRIFT line and one retraining trigger', async (t) => {
    if (!subject.server) return t.skip('no Postgres');
    const zone = '260960005000001';
    const push = (elevation: number) =>
      subject.gql(
        `mutation { ingestZoneFeatures(input: { zoneId: "${zone}", asOf: "${new Date().toISOString()}",
           features: [{ name: "elevation_mean_m", value: ${elevation} }] }) { level } }`,
      );
    const what = await subject.gql(
      `{ floodPrediction(input: { zoneId: "${zone}", features: [{ name: "elevation_mean_m", value: 1 }] }) { score } }`,
    );
    assert.equal(what.errors, undefined, JSON.stringify(what.errors));
    const drifted = () => lines.filter((l) => l['msg'] === 'feature drift changed');
    assert.deepEqual(drifted(), [], 'a what-if is not an input of the city');
    const res = await push(31.5); // the DEM says 30.36
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    for (let i = 0; i < 50 && drifted().length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(
      drifted().map((l) => [l['feature'], l['driftLevel']]),
      [['elevation_mean_m', 'DRIFT']],
    );
    const { data } = await subject.gql(
      '{ modelHealth(name: "flood") { drift { feature level changedZones fingerprintMatches } } }',
    );
    const elevation = data!['modelHealth'].drift.find(
      (d: { feature: string }) => d.feature === 'elevation_mean_m',
    );
    assert.deepEqual(elevation, {
      feature: 'elevation_mean_m',
      level: 'DRIFT',
      changedZones: [zone],
      fingerprintMatches: false,
    });
    const db = await openDatabase({ url });
    try {
      const triggers = await db.query<{ feature: string }>(
        `select details->>'feature' as feature from predictions.retraining_trigger`,
      );
      assert.deepEqual(triggers, [{ feature: 'elevation_mean_m' }]);
    } finally {
      await db.close();
    }
  });
});
