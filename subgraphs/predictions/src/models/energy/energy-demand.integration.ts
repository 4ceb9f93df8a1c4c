import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '@cityassist/service-kit';
import { subgraphUnderTest } from '@cityassist/service-kit/testing';
import { parseConfig } from '../../config.ts';
import { startPredictionsService } from '../../service.ts';
import { testConfig } from '../../testing.ts';

const logger = createLogger('test', 'silent');
const SNAPSHOT = parseConfig({}).energy.loadsSnapshot;
const DEMAND = `query($r: [_Any!]!, $hours: Int, $top: Int) { _entities(representations: $r) { ... on Zone { id
  energyDemand(hours: $hours) { forecastId asOf unit degraded missingReadings model { name version }
    points { at value lower upper } baseValue explain(top: $top) { feature value contribution } } } } }`;
const reps = (...ids: string[]) => ids.map((id) => ({ __typename: 'Zone', id }));

/** The snapshot as a table: its header and rows of cells. */
async function snapshot(): Promise<{ header: string[]; rows: string[][] }> {
  const [head, ...rows] = (await readFile(SNAPSHOT, 'utf8')).trim().split('\n');
  return { header: head!.split(','), rows: rows.map((r) => r.split(',')) };
}

describe('Zone.energyDemand through the subgraph', () => {
  let dir: string;
  let zones: string[];
  let blanked: string;
  before(async () => {
    // A copy of the snapshot where one zone's meter fell silent for the last day.
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
      startPredictionsService(testConfig(database, { ENERGY_LOADS_SNAPSHOT: path.join(dir, 'loads.csv') }), logger),
  );

  it('forecasts the hours asked for from the newest hour of the snapshot, with ordered intervals', async () => {
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

  it('answers the seasonal-naive baseline (the same hour last week), degraded, with PREDICTION_DEGRADED', async () => {
    const { header, rows } = await snapshot();
    const zone = header[2]!;
    const { data, errors } = await subject.gql(DEMAND, { r: reps(zone), hours: 3, top: 3 });
    const d = data!['_entities'][0].energyDemand;
    assert.equal(d.degraded, true);
    assert.equal(d.model.version, 'baseline');
    assert.deepEqual(d.explain, []);
    assert.equal(d.baseValue, null);
    // Step h forecasts y[t+h-168]: row (last - 168 + h) of the snapshot, when it was read.
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
