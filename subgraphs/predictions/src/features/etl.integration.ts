import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { onEachDatabase } from '@cityassist/db';
import { createLogger } from '@cityassist/service-kit';
import { subgraphUnderTest } from '@cityassist/service-kit/testing';
import { startPredictionsService } from '../service.ts';
import { testConfig } from '../testing.ts';

const logger = createLogger('predictions', 'silent');

onEachDatabase((label, open) => {
  describe(`the feature store in the graph on ${label}`, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'etl-graph-'));
    const inbox = path.join(dir, 'inbox');
    const subject = subgraphUnderTest(open, (database) =>
      startPredictionsService(
        testConfig(database, { ETL_INBOX_DIR: inbox, FEATURE_STORE_DIR: path.join(dir, 'store') }),
        logger,
      ),
    );
    // After the service's own close (hooks run in order): its pipelines write into this folder.
    after(() => rm(dir, { recursive: true, force: true }));

    it('lists the runs that loaded the committed extracts on start, their dataset versions and lineage', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const { data, errors } = await subject.gql(`{
        etlRuns { runId pipeline status trigger requestedBy rowsRead rowsLoaded datasetVersions sources { uri sha256 bytes } expectations { rule severity passed } }
        datasets { datasetVersion featureView runId createdBy rowCount onlineRows offlineUri timeMax }
        featureViews { name entity features { name unit } latestVersion newestAsOf versions }
      }`);
      assert.equal(errors, undefined, JSON.stringify(errors));
      const runs = data!['etlRuns'] as {
        pipeline: string;
        status: string;
        trigger: string;
        requestedBy: string;
        datasetVersions: string[];
        sources: { uri: string }[];
      }[];
      const gauges = runs.find((r) => r.pipeline === 'rain-gauge')!;
      assert.equal(gauges.status, 'succeeded');
      assert.equal(gauges.trigger, 'start');
      assert.equal(gauges.requestedBy, 'service:predictions');
      assert.ok(gauges.sources.some((s) => s.uri.endsWith('olinda_gauges.csv')));
      assert.ok(
        gauges.sources.some((s) => s.uri.endsWith('terrain.csv')),
        'static inputs are lineage too',
      );
      const datasets = data!['datasets'] as { datasetVersion: string; featureView: string }[];
      for (const v of gauges.datasetVersions) assert.ok(datasets.some((d) => d.datasetVersion === v));
      const views = data!['featureViews'] as {
        name: string;
        latestVersion: string | null;
        newestAsOf: string | null;
      }[];
      const flood = views.find((v) => v.name === 'zone_flood_features')!;
      assert.ok(gauges.datasetVersions.includes(flood.latestVersion!));
      assert.equal(flood.newestAsOf, '2015-03-15T16:00:00.000Z');
    });

    it('a flood prediction names the dataset version and files each of its inputs came from', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const { data, errors } = await subject.gql(
        `query($r: [_Any!]!) { _entities(representations: $r) { ... on Zone {
        floodRisk { asOf inputs { feature value asOf datasetVersion source } } } } }`,
        { r: [{ __typename: 'Zone', id: '260960005000001' }] },
      );
      assert.equal(errors, undefined, JSON.stringify(errors));
      const inputs = data!['_entities'][0].floodRisk.inputs as {
        feature: string;
        value: number | null;
        datasetVersion: string;
        source: string[];
      }[];
      assert.deepEqual(inputs.map((i) => i.feature).slice(0, 3), [
        'rain_1h_mm',
        'rain_24h_mm',
        'rain_72h_mm',
      ]);
      assert.ok(inputs.every((i) => i.datasetVersion.startsWith('zone_flood_features@')));
      assert.ok(inputs[0]!.source.some((s) => s.endsWith('olinda_gauges.csv')));
      assert.equal(inputs.find((i) => i.feature === 'elevation_mean_m')!.value, 30.36);
    });

    it('runs a delivery from the inbox by name; the same bytes again are a duplicate; a path is refused', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      await mkdir(path.join(inbox, 'air-quality'), { recursive: true });
      await writeFile(
        path.join(inbox, 'air-quality', 'today.csv'),
        'location_id,datetime,parameter,value,unit\nolinda-01,2016-01-01T00:00:00Z,pm25,12,µg/m³\nolinda-01,2016-01-01T01:00:00Z,pm25,-4,µg/m³\n',
      );
      const mutation =
        'mutation($p: String!, $f: [String!]) { runPipeline(pipeline: $p, files: $f) { status rowsLoaded rowsQuarantined quarantine { rule rows } error { code } } }';
      const first = await subject.gql(mutation, { p: 'air-quality', f: ['today.csv'] });
      assert.equal(first.errors, undefined, JSON.stringify(first.errors));
      assert.equal(first.data!['runPipeline'].status, 'rejected', '1 of 2 rows bad is over the 20% limit');
      assert.deepEqual(first.data!['runPipeline'].quarantine, [{ rule: 'range:value', rows: 1 }]);
      const dup = await subject.gql(mutation, { p: 'air-quality', f: ['today.csv'] });
      assert.equal(
        dup.data!['runPipeline'].status,
        'rejected',
        'a rejected delivery is not remembered as loaded',
      );
      const unknown = await subject.gql(mutation, { p: 'nope' });
      assert.equal(unknown.errors?.[0]?.extensions?.['code'], 'PIPELINE_NOT_FOUND');
      const hostile = await subject.gql(mutation, { p: 'air-quality', f: ['../../etc/passwd'] });
      assert.equal(hostile.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
      const missing = await subject.gql(mutation, { p: 'air-quality', f: ['nothing.csv'] });
      assert.equal(missing.data!['runPipeline'].status, 'failed');
      assert.equal(missing.data!['runPipeline'].error.code, 'ETL_SOURCE_UNREADABLE');
      const again = await subject.gql(mutation, { p: 'rain-gauge' });
      assert.equal(again.data!['runPipeline'].status, 'duplicate', 'the committed extract loaded on start');
      assert.ok(
        (await readdir(path.join(inbox, 'air-quality'))).includes('today.csv'),
        'a run by name leaves the file',
      );
    });
  });
});
