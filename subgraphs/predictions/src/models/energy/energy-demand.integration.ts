import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '@cityassist/service-kit';
import { subgraphUnderTest } from '@cityassist/service-kit/testing';
import { startPredictionsService } from '../../service.ts';
import { testConfig } from '../../testing.ts';

const logger = createLogger('test', 'silent');
/** The committed extract the energy-load pipeline loads on start (data/energy/SOURCE.md). */
const EXTRACT = path.resolve(import.meta.dirname, '../../../../../data/energy/olinda_zone_load.csv');
const DEMAND = `query($r: [_Any!]!, $hours: Int, $top: Int, $at: DateTime) { _entities(representations: $r) { ... on Zone { id
  energyDemand(hours: $hours, at: $at) { forecastId asOf unit degraded missingReadings model { name version }
    points { at value lower upper } baseValue explain(top: $top) { feature value contribution } } } } }`;
const reps = (...ids: string[]) => ids.map((id) => ({ __typename: 'Zone', id }));

/** The extract as a table: its header and rows of cells. */
async function snapshot(): Promise<{ header: string[]; rows: string[][] }> {
  const [head, ...rows] = (await readFile(EXTRACT, 'utf8')).trim().split('\n');
  return { header: head!.split(','), rows: rows.map((r) => r.split(',')) };
}

/**
 * Waits for the embedded start to have loaded the energy-load pipeline's sources (it may run just
 * after the service answers), through the graph's own etlRuns.
 */
async function energyLoaded(gql: (q: string) => Promise<{ data?: any }>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const { data } = await gql('{ etlRuns(pipeline: "energy-load", first: 1) { status } }');
    const status = data?.['etlRuns']?.[0]?.status;
    if (status === 'succeeded' || status === 'duplicate') return;
    if (status === 'failed' || status === 'rejected') throw new Error(`energy-load on start: ${status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('energy-load did not run on start within 60 s');
}

describe('Zone.energyDemand through the subgraph', () => {
  let dir: string;
  let zones: string[];
  let blanked: string;
  before(async () => {
    // A copy of the extract where one more zone's meter fell silent for the last day.
    const { header, rows } = await snapshot();
    zones = header.slice(2);
    blanked = zones[1]!;
    const column = header.indexOf(blanked);
    for (const row of rows.slice(-24)) row[column] = '';
    dir = await mkdtemp(path.join(tmpdir(), 'energy-'));
    await writeFile(path.join(dir, 'loads.csv'), [header, ...rows].map((r) => r.join(',')).join('\n') + '\n');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const subject = subgraphUnderTest(
    () => Promise.resolve({ dataDir: 'memory://', [Symbol.asyncDispose]: () => Promise.resolve() }),
    (database) =>
      startPredictionsService(testConfig(database, { ETL_SOURCES_ENERGY_LOAD: path.join(dir, 'loads.csv') }), logger),
  );
  before(() => energyLoaded((q) => subject.gql(q)));

  it('forecasts the hours asked for from the newest hour in the feature store, with ordered intervals', async () => {
    const { data, errors } = await subject.gql(DEMAND, { r: reps(zones[0]!), hours: 24, top: 5 });
    assert.equal(errors, undefined, JSON.stringify(errors));
    const d = data!['_entities'][0].energyDemand;
    const { rows } = await snapshot();
    assert.equal(new Date(d.asOf).toISOString(), new Date(rows.at(-1)![0]!).toISOString());
    assert.equal(d.points.length, 24);
    assert.equal(d.degraded, false);
    assert.match(d.forecastId, /^energy-/);
    d.points.forEach((p: { at: string; value: number; lower: number; upper: number }, h: number) => {
      assert.equal(new Date(p.at).getTime(), new Date(d.asOf).getTime() + (h + 1) * 3_600_000);
      assert.ok(0 <= p.lower && p.lower <= p.value && p.value <= p.upper, JSON.stringify(p));
    });
    // The explanation is of the first hour, in kW, largest first, of the model's own inputs.
    assert.equal(d.explain.length, 5);
    const sizes = d.explain.map((c: { contribution: number }) => Math.abs(c.contribution));
    assert.deepEqual(sizes, [...sizes].sort((a, b) => b - a));
    assert.equal(typeof d.baseValue, 'number');
  });

  it('names a zone it cannot forecast instead of guessing: silent meter, unknown zone', async () => {
    const { data, errors } = await subject.gql(DEMAND, { r: reps(zones[0]!, blanked, 'nowhere'), hours: 1, top: 1 });
    assert.ok(data!['_entities'][0].energyDemand, 'the other zones still answer');
    assert.equal(data!['_entities'][1].energyDemand, null);
    assert.equal(data!['_entities'][2].energyDemand, null);
    const byPath = new Map(errors!.map((e) => [e.path!.join('.'), e.extensions as Record<string, unknown>]));
    assert.equal(byPath.get('_entities.1.energyDemand')?.['code'], 'FORECAST_UNAVAILABLE');
    assert.equal(byPath.get('_entities.1.energyDemand')?.['reason'], 'too-few-readings');
    assert.equal(byPath.get('_entities.2.energyDemand')?.['reason'], 'no-readings');
  });

  it('says where its inputs came from: every hour of the window, its load and temperature, dataset version and file', async () => {
    const { header, rows } = await snapshot();
    const { data, errors } = await subject.gql(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Zone {
        energyDemand(hours: 1) { asOf inputs { feature value asOf datasetVersion source } } } } }`,
      { r: reps(zones[0]!) },
    );
    assert.equal(errors, undefined, JSON.stringify(errors));
    const d = data!['_entities'][0].energyDemand;
    const inputs = d.inputs as { feature: string; value: number | null; asOf: string; datasetVersion: string; source: string[] }[];
    assert.equal(inputs.length, 2 * 168, 'load_kw and temp_c of each of the 168 hours');
    assert.deepEqual(
      inputs.slice(-2).map((i) => [i.feature, i.value, new Date(i.asOf).toISOString()]),
      [
        ['load_kw', Number(rows.at(-1)![header.indexOf(zones[0]!)]), new Date(d.asOf).toISOString()],
        ['temp_c', rows.at(-1)![1] === '' ? null : Number(rows.at(-1)![1]), new Date(d.asOf).toISOString()],
      ],
    );
    assert.equal(new Date(inputs[0]!.asOf).getTime(), new Date(d.asOf).getTime() - 167 * 3_600_000, 'oldest first');
    const runs = await subject.gql('{ etlRuns(pipeline: "energy-load", first: 5) { status datasetVersions } }');
    const loaded = runs.data!['etlRuns'].find((r: { status: string }) => r.status === 'succeeded').datasetVersions;
    for (const i of inputs) {
      assert.ok(loaded.includes(i.datasetVersion), i.datasetVersion);
      assert.ok(i.source.includes(path.join(dir, 'loads.csv')), JSON.stringify(i.source));
    }
  });

  it('forecasts from the readings at or before `at`, never a later one', async () => {
    const { rows } = await snapshot();
    const last = new Date(rows.at(-1)![0]!).getTime();
    const at = new Date(last - 5 * 3_600_000 + 1_800_000);
    const { data, errors } = await subject.gql(
      `query($r: [_Any!]!, $at: DateTime) { _entities(representations: $r) { ... on Zone {
        newest: energyDemand(hours: 1) { asOf points { value } }
        earlier: energyDemand(hours: 1, at: $at) { asOf points { value } inputs { asOf } } } } }`,
      { r: reps(zones[0]!), at: at.toISOString() },
    );
    assert.equal(errors, undefined, JSON.stringify(errors));
    const { newest, earlier } = data!['_entities'][0];
    assert.equal(new Date(newest.asOf).getTime(), last);
    assert.equal(new Date(earlier.asOf).getTime(), last - 5 * 3_600_000, 'the newest hour at or before at');
    assert.ok(earlier.inputs.every((i: { asOf: string }) => new Date(i.asOf) <= at), 'nothing after at was read');
    assert.notEqual(earlier.points[0].value, newest.points[0].value);
    const before = await subject.gql(DEMAND, { r: reps(zones[0]!), hours: 1, top: 1, at: '2015-01-01T00:00:00Z' });
    assert.equal(before.data!['_entities'][0].energyDemand, null);
    assert.equal(before.errors?.[0]?.extensions?.['reason'], 'no-readings');
  });

  it('refuses hours and top out of range with BAD_USER_INPUT', async () => {
    for (const vars of [{ hours: 0, top: 1 }, { hours: 25, top: 1 }, { hours: 1, top: 0 }, { hours: 1, top: 51 }]) {
      const { errors } = await subject.gql(DEMAND, { r: reps(zones[0]!), ...vars });
      assert.equal(errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT', JSON.stringify(vars));
    }
  });
});

describe('an energy model that times out, through the subgraph', () => {
  // The batcher holds rows 50 ms and the timeout is 10 ms: every model call times out.
  const subject = subgraphUnderTest(
    () => Promise.resolve({ dataDir: 'memory://', [Symbol.asyncDispose]: () => Promise.resolve() }),
    (database) =>
      startPredictionsService(testConfig(database, { INFERENCE_BATCH_WAIT_MS: '50', MODEL_TIMEOUT_MS: '10' }), logger),
  );
  before(() => energyLoaded((q) => subject.gql(q)));

  it('answers the seasonal-naive baseline (the same hour last week), degraded, with PREDICTION_DEGRADED', async () => {
    const { header, rows } = await snapshot();
    const zone = header[2]!;
    const { data, errors } = await subject.gql(DEMAND, { r: reps(zone), hours: 3, top: 3 });
    const d = data!['_entities'][0].energyDemand;
    assert.equal(d.degraded, true);
    assert.equal(d.model.version, 'baseline');
    assert.deepEqual(d.explain, []);
    assert.equal(d.baseValue, null);
    // Step h forecasts y[t+h-168]: row (last - 168 + h) of the extract, as the pipeline loaded it.
    const column = header.indexOf(zone);
    let compared = 0;
    d.points.forEach((p: { value: number }, i: number) => {
      const cell = rows[rows.length - 168 + i]![column]!;
      if (cell === '') return; // missing last week: the baseline falls back to yesterday
      assert.ok(Math.abs(p.value - Number(cell)) <= 1e-3 * Math.max(1, Number(cell)), `${p.value} vs ${cell}`);
      compared++;
    });
    assert.ok(compared >= 2, `${compared} hours compared`);
    assert.equal(errors?.[0]?.extensions?.['code'], 'PREDICTION_DEGRADED');
    assert.deepEqual(errors?.[0]?.path, ['_entities', 0, 'energyDemand']);
  });
});
