/**
 * Quality on observed outcomes, through the subgraph's own interfaces: zones' features pushed
 * (ingestZoneFeatures re-scores them, and the scores are logged), then the flood-observations
 * pipeline fed a delivery of what was seen in those zone-hours (runPipeline with an upload), then
 * modelHealth.liveQuality and /metrics read back. A prediction made after its outcome was loaded
 * must not count.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { onEachDatabase } from '@cityassist/db';
import { createLogger, GATEWAY_SECRET_HEADER } from '@cityassist/service-kit';
import { subgraphUnderTest, TEST_GATEWAY_SECRET } from '@cityassist/service-kit/testing';
import { startPredictionsService } from '../../../service.ts';
import { testConfig } from '../../../testing.ts';

const HOUR = 3_600_000;
const ZONES = [
  '260960005000001',
  '260960005000002',
  '260960005000003',
  '260960005000004',
  '260960005000005',
  '260960005000006',
];
const FLOODED = [0, 0, 1, 0, 1, 1];
/** Observed, but its prediction comes only after the observation was loaded. */
const LATE = '260960005000007';

const RUN = `mutation($file: Upload) {
  runPipeline(pipeline: "flood-observations", file: $file) { status rowsLoaded error { code message } }
}`;

async function upload(url: string, csv: string) {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: RUN, variables: { file: null } }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', new Blob([csv], { type: 'text/csv' }), 'observations.csv');
  const res = await fetch(url, {
    method: 'POST',
    headers: { [GATEWAY_SECRET_HEADER]: TEST_GATEWAY_SECRET },
    body: form,
  });
  return (await res.json()) as { data?: any; errors?: any[] };
}

/** AUC by its definition, every flooded hour against every dry one: not how the service counts it. */
function pairwiseAuc(scores: number[], flooded: number[]): number {
  let wins = 0;
  let pairs = 0;
  scores.forEach((p, i) =>
    scores.forEach((q, j) => {
      if (flooded[i] !== 1 || flooded[j] !== 0) return;
      pairs++;
      wins += p > q ? 1 : p === q ? 0.5 : 0;
    }),
  );
  return wins / pairs;
}

onEachDatabase((label, open) => {
  describe(`flood quality on observed outcomes, on ${label}`, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'live-quality-'));
    const subject = subgraphUnderTest(open, (database) =>
      startPredictionsService(
        testConfig(database, { FEATURE_STORE_DIR: path.join(dir, 'store') }),
        createLogger('predictions', 'silent'),
      ),
    );
    // After the service has stopped (hooks run in order): nothing writes to the store any more.
    after(() => rm(dir, { recursive: true, force: true }));

    it('joins each zone-hour scored before its outcome to what was observed: ROC-AUC, Brier, calibration, in modelHealth and /metrics', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const hourEnd = new Date(Math.floor(Date.now() / HOUR) * HOUR - HOUR);
      const push = async (zone: string, i: number) => {
        const res = await subject.gql(
          `mutation($z: ID!, $at: DateTime!, $r: Float!) { ingestZoneFeatures(input: { zoneId: $z, asOf: $at, features: [
             { name: "rain_1h_mm", value: $r }, { name: "rain_24h_mm", value: ${20 * i} }, { name: "rain_72h_mm", value: ${30 * i} } ] }) { probability } }`,
          { z: zone, at: hourEnd.toISOString(), r: 4 * i },
        );
        assert.equal(res.errors, undefined, JSON.stringify(res.errors));
        return res.data!['ingestZoneFeatures'].probability as number;
      };
      const scores: number[] = [];
      for (const [i, zone] of ZONES.entries()) scores.push(await push(zone, i));
      assert.ok(new Set(scores).size > 1, 'the zones were scored differently');

      const seen = new Date(hourEnd.getTime() - 20 * 60_000).toISOString();
      const csv = [
        'zone_id,observed_at,flooded,depth_cm,source',
        ...ZONES.map((z, i) => `${z},${seen},${FLOODED[i]},${FLOODED[i] ? 30 : 0},civil-defence-patrol`),
        `${LATE},${seen},1,40,civil-defence-patrol`,
      ].join('\n');
      const run = await upload(subject.server.url, `${csv}\n`);
      assert.equal(run.errors, undefined, JSON.stringify(run.errors));
      assert.equal(run.data.runPipeline.status, 'succeeded', JSON.stringify(run.data.runPipeline));
      await push(LATE, 5); // scored once its outcome was known: it says nothing of the model

      const res = await subject.gql(`{ modelHealth(name: "flood") { version liveQuality {
        version samples positives rocAuc rocAucInterval brier brierInterval meanPredicted observedRate
        calibration { lower upper count meanPredicted observedRate } } } }`);
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      const health = res.data!['modelHealth'];
      const [quality] = health.liveQuality;
      assert.equal(health.liveQuality.length, 1, 'the champion only: no canary');
      assert.equal(quality.version, health.version);
      assert.equal(quality.samples, ZONES.length, 'the late zone is left out');
      assert.equal(quality.positives, 3);
      assert.ok(Math.abs(quality.rocAuc - pairwiseAuc(scores, FLOODED)) < 1e-12, `${quality.rocAuc}`);
      const brier = scores.reduce((s, p, i) => s + (p - FLOODED[i]!) ** 2, 0) / scores.length;
      assert.ok(Math.abs(quality.brier - brier) < 1e-9, `${quality.brier} vs ${brier}`);
      assert.ok(quality.rocAucInterval[0] <= quality.rocAuc && quality.rocAuc <= quality.rocAucInterval[1]);
      assert.ok(quality.brierInterval[0] <= quality.brier && quality.brier <= quality.brierInterval[1]);
      assert.equal(quality.observedRate, 0.5);
      assert.equal(
        quality.calibration.reduce((s: number, b: { count: number }) => s + b.count, 0),
        ZONES.length,
      );

      const metrics = await (await fetch(`${subject.server.url.replace(/\/graphql$/, '')}/metrics`)).text();
      const sample = new RegExp(
        `^model_live_samples\\{[^}]*version="${health.version}"[^}]*\\} (\\d+)`,
        'm',
      ).exec(metrics);
      assert.equal(
        sample?.[1],
        String(ZONES.length),
        metrics
          .split('\n')
          .filter((l) => l.includes('model_live'))
          .join('\n'),
      );
      assert.match(metrics, /^model_live_roc_auc\{/m);
    });
  });
});
