/**
 * The "degradation" retraining trigger from observed outcomes, end to end on the local Postgres:
 * zones' features pushed and scored, then observations that contradict every score loaded through
 * the flood-observations pipeline; the next re-score finds the champion's live ROC-AUC far below
 * its card's and records one trigger, which the retraining job answers (docs/retraining.md).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { createTestDatabase, openDatabase } from '@cityassist/db';
import { GATEWAY_SECRET_HEADER } from '@cityassist/service-kit';
import { subgraphUnderTest, TEST_GATEWAY_SECRET } from '@cityassist/service-kit/testing';
import { startPredictionsService } from '../../../service.ts';
import { capturedLogger, testConfig } from '../../../testing.ts';
import { MIN_CLASS_SAMPLES } from './degradation.ts';

const HOUR = 3_600_000;

describe('a flood champion degraded on observed outcomes, on Postgres', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'degradation-'));
  const { logger, lines } = capturedLogger();
  let url = '';
  const subject = subgraphUnderTest(
    async () => {
      const db = await createTestDatabase();
      url = db?.url ?? '';
      return db;
    },
    (d) => startPredictionsService(testConfig(d, { FEATURE_STORE_DIR: path.join(dir, 'store') }), logger),
  );
  // After the service has stopped (hooks run in order): nothing writes to the store any more.
  after(() => rm(dir, { recursive: true, force: true }));

  it('EXPECTED FAILURE - records one degradation trigger once enough outcomes contradict the scores', async (t) => {
    if (!subject.server) return t.skip('no Postgres on this machine');
    const levels = await subject.gql('{ floodLevels { zoneId } }');
    const zones = (levels.data!['floodLevels'] as { zoneId: string }[])
      .map((l) => l.zoneId)
      .slice(0, 2 * MIN_CLASS_SAMPLES + 5);
    const hourEnd = new Date(Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR);
    const push = async (zone: string, rain: number) => {
      const res = await subject.gql(
        `mutation($z: ID!, $at: DateTime!, $r: Float!) { ingestZoneFeatures(input: { zoneId: $z, asOf: $at, features: [
           { name: "rain_1h_mm", value: $r }, { name: "rain_24h_mm", value: $r }, { name: "rain_72h_mm", value: $r } ] }) { probability } }`,
        { z: zone, at: hourEnd.toISOString(), r: rain },
      );
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      return res.data!['ingestZoneFeatures'].probability as number;
    };
    const scored: { zone: string; p: number }[] = [];
    for (const [i, zone] of zones.slice(0, -1).entries()) scored.push({ zone, p: await push(zone, 1.5 * i) });
    // The outcomes contradict the model: the lower half of its scores flooded, the upper half stayed dry.
    scored.sort((a, b) => a.p - b.p);
    const half = Math.floor(scored.length / 2);
    const seen = new Date(hourEnd.getTime() - 15 * 60_000).toISOString();
    const csv = [
      'zone_id,observed_at,flooded,depth_cm,source',
      ...scored.map(
        (s, i) => `${s.zone},${seen},${i < half ? 1 : 0},${i < half ? 25 : 0},civil-defence-patrol`,
      ),
    ].join('\n');
    const form = new FormData();
    form.append(
      'operations',
      JSON.stringify({
        query: 'mutation($f: Upload) { runPipeline(pipeline: "flood-observations", file: $f) { status } }',
        variables: { f: null },
      }),
    );
    form.append('map', JSON.stringify({ 0: ['variables.f'] }));
    form.append('0', new Blob([`${csv}\n`], { type: 'text/csv' }), 'observations.csv');
    const run = (await (
      await fetch(subject.server.url, {
        method: 'POST',
        headers: { [GATEWAY_SECRET_HEADER]: TEST_GATEWAY_SECRET },
        body: form,
      })
    ).json()) as { data?: any; errors?: unknown };
    assert.equal(run.data?.runPipeline.status, 'succeeded', JSON.stringify(run));

    // The next re-score (any zone's new features) judges the champion on these outcomes.
    await push(zones.at(-1)!, 2);
    await push(zones.at(-1)!, 3);
    const warned = lines.filter((l) => l['msg'] === 'model degraded on observed outcomes');
    assert.equal(warned.length, 1, 'judged once: the second re-score waits for the next check');
    assert.ok(
      (warned[0]!['live'] as number) < 0.5 && (warned[0]!['holdout'] as number) > 0.9,
      JSON.stringify(warned[0]),
    );
    const db = await openDatabase({ url });
    try {
      const triggers = await db.query<{ version: string; details: { metric: string; samples: number } }>(
        "select version, details from predictions.retraining_trigger where reason = 'degradation'",
      );
      assert.equal(triggers.length, 1);
      assert.equal(triggers[0]!.details.metric, 'roc_auc');
      assert.equal(triggers[0]!.details.samples, scored.length);
    } finally {
      await db.close();
    }
  });
});
