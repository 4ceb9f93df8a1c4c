import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { access, cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, migrate, openDatabase, type Database, type TestDatabase } from '@cityassist/db';
import { runPipeline } from '@cityassist/etl';
import { createEventBus } from '@cityassist/events';
import { Catalog, FolderOfflineStore, migrateFeatureStore } from '@cityassist/feature-store';
import { createLogger, GATEWAY_SECRET_HEADER } from '@cityassist/service-kit';
import { TEST_GATEWAY_SECRET } from '@cityassist/service-kit/testing';
import { floodObservations } from '../../../../etl/pipelines/flood-observations/pipeline.ts';
import { rainGaugePipeline } from '../../../../etl/pipelines/rain-gauge/pipeline.ts';
import { ModelRegistry } from '../registry/model-registry.ts';
import { startPredictionsService } from '../service.ts';
import { testConfig } from '../testing.ts';
import { retrain, type RetrainDeps } from './retraining-job.ts';
import { pendingTrigger, runRetrainScript } from '../../../../etl/src/worker/retraining.ts';

const ROOT = path.resolve(import.meta.dirname, '../../../..');
const logger = createLogger('predictions', 'silent');
const RUNS = `{ retrainingRuns(model: "flood") { id model triggerKind triggerIds status startedAt finishedAt
  championVersion candidateVersion datasetVersions trainingRows error durations
  candidateMetrics { timeHoldout { rocAuc prAuc brier n positives } spaceTimeCv { prAuc } threshold }
  championMetrics { timeHoldout { prAuc } }
  sameHoldout { holdoutStart rows positives candidateTestVectors candidate { rocAuc prAuc brier } champion { rocAuc prAuc brier } } } }`;

/**
 * The smoke simulation's history as a city delivers it (training/.../flood/history.py): gauge rain
 * and stations, and its labels as field observations (every sampled zone-hour seen, dry or
 * flooded), for the rain-gauge and flood-observations pipelines.
 */
async function smokeHistory(
  dir: string,
): Promise<{ stations: string; rain: string; observations: string; labels: number }> {
  const out = spawnSync(
    '/usr/bin/python3',
    [
      '-m',
      'cityassist_training.flood.history',
      '--config',
      'configs/flood_store.json',
      '--out',
      dir,
      '--smoke',
      '--observations',
    ],
    { cwd: path.join(ROOT, 'training'), encoding: 'utf8' },
  );
  assert.equal(out.status, 0, out.stderr);
  const lines = (await readFile(path.join(dir, 'observations.csv'), 'utf8')).trim().split('\n');
  return {
    stations: path.join(dir, 'stations.csv'),
    rain: path.join(dir, 'rain.csv'),
    observations: path.join(dir, 'observations.csv'),
    labels: lines.length - 1,
  };
}

/** The repository's models, flood copied (the job writes its candidate there), the rest linked. */
async function modelsCopy(dir: string): Promise<string> {
  const models = path.join(dir, 'models');
  await mkdir(models, { recursive: true });
  for (const name of await readdir(path.join(ROOT, 'models'))) {
    if (name === 'flood') {
      await cp(path.join(ROOT, 'models', name), path.join(models, name), { recursive: true });
    } else await symlink(path.join(ROOT, 'models', name), path.join(models, name));
  }
  return models;
}

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

const databases: [string, () => Promise<TestDatabase | undefined>][] = [
  [
    'PGlite',
    async () => {
      // A folder, not memory://: the job and then the service open the same database in turn.
      const dataDir = await mkdtemp(path.join(tmpdir(), 'retrain-pglite-'));
      return { dataDir, [Symbol.asyncDispose]: () => rm(dataDir, { recursive: true, force: true }) };
    },
  ],
  [
    'Postgres',
    async () => {
      const db = await createTestDatabase();
      return db && { url: db.url, [Symbol.asyncDispose]: () => db[Symbol.asyncDispose]() };
    },
  ],
];

for (const [label, open] of databases) {
  describe(`retraining on ${label}`, () => {
    let database: TestDatabase | undefined;
    let dir: string;
    let db: Database;
    let deps: RetrainDeps;
    let labels: number;
    let triggerId: string;
    let candidate: string;

    before(async () => {
      database = await open();
      if (!database) return;
      dir = await mkdtemp(path.join(tmpdir(), 'retrain-'));
      const history = await smokeHistory(path.join(dir, 'history'));
      labels = history.labels;
      db = await openDatabase(database);
      await migrateFeatureStore(db);
      await migrate(db, { dir: path.join(import.meta.dirname, '../migrations'), schema: 'predictions' });
      const offline = new FolderOfflineStore(path.join(dir, 'offline'));
      const runner = { db, offline, tempDir: path.join(dir, 'tmp'), repoRoot: ROOT };
      const rain = await rainGaugePipeline({ stations: history.stations, radiusM: 0, fallback: 0 });
      const request = { trigger: 'test', requestedBy: 'test:retraining' };
      for (const [pipeline, file] of [
        [rain, history.rain],
        [floodObservations, history.observations],
      ] as const) {
        const run = await runPipeline(runner, pipeline, { ...request, sources: [file] });
        assert.equal(run.status, 'succeeded', JSON.stringify(run));
      }
      const modelsDir = await modelsCopy(dir);
      const registry = new ModelRegistry(db, modelsDir, await createEventBus(undefined));
      // What the service does at start with FLOOD_MODEL_VERSION's default.
      await registry.applySettings('flood', { champion: '1.2.0' });
      deps = {
        db,
        catalog: new Catalog(db),
        offline,
        registry,
        modelsDir,
        repoRoot: ROOT,
        workDir: dir,
        logger,
      };
    });
    after(async () => {
      if (!database) return;
      await db?.close().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
      await database[Symbol.asyncDispose]();
    });

    it('a drift trigger becomes one run: candidate trained on the store, SHADOW, metrics beside the champion', async (t) => {
      if (!database) return t.skip('no Postgres on this machine');
      const [trigger] = await db.query<{ id: string }>(
        `insert into predictions.retraining_trigger (model, version, reason, details)
         values ('flood', '1.2.0', 'drift', '{"feature":"rain_24h_mm","psi":0.31}') returning id::text`,
      );
      triggerId = trigger!.id;
      const outcome = await retrain(deps, {
        model: 'flood',
        trigger: 'drift',
        requestedBy: 'test',
        smoke: true,
      });
      assert.equal(outcome.status, 'succeeded', JSON.stringify(outcome));
      assert.ok('run' in outcome);
      const run = outcome.run;
      candidate = run.candidateVersion!;
      assert.match(candidate, /^1\.2\.0-r\d{12}-smoke$/);
      assert.deepEqual(run.triggerIds, [triggerId]);
      assert.equal(run.triggerKind, 'drift');
      assert.equal(run.championVersion, '1.2.0');
      assert.equal(run.trainingRows, labels, 'every observed zone-hour is a training row');
      for (const view of ['zone_flood_features@', 'zone_flood_observations@']) {
        assert.ok(
          run.datasetVersions.some((v) => v.startsWith(view)),
          String(run.datasetVersions),
        );
      }
      assert.ok(run.finishedAt && run.finishedAt >= run.startedAt);
      assert.ok(run.durations!['train']! > 0 && run.durations!['export']! > 0);
      // The smoke hold-out is tiny (one flooded zone-hour): its AUCs are numbers, not evidence.
      const m = run.candidateMetrics!.timeHoldout;
      assert.ok(m.rocAuc! >= 0 && m.rocAuc! <= 1 && m.prAuc! > 0, JSON.stringify(m));
      assert.ok(m.n! > 1000 && m.positives! >= 1, JSON.stringify(m));
      const champion = JSON.parse(
        await readFile(path.join(deps.modelsDir, 'flood/1.2.0/metadata.json'), 'utf8'),
      );
      assert.equal(run.championMetrics!.timeHoldout.prAuc, champion.metrics.time_holdout.pr_auc);
      // The candidate's own record of what it was trained on: the export of this store.
      const dirOf = path.join(deps.modelsDir, 'flood', candidate);
      for (const f of ['model.onnx', 'metadata.json', 'test_vectors.json']) {
        assert.ok(await exists(path.join(dirOf, f)), `${f} in ${dirOf}`);
      }
      const meta = JSON.parse(await readFile(path.join(dirOf, 'metadata.json'), 'utf8'));
      assert.equal(meta.version, candidate);
      assert.equal(
        m.prAuc,
        meta.metrics.time_holdout.pr_auc,
        "the run records the candidate's own evaluation",
      );
      assert.equal(meta.lineage.features.rows, labels, 'trained on the export of this store');
      // Scored again here on the same rows, the candidate reproduces its own hold-out figures; the
      // champion is scored on those rows too.
      const same = run.sameHoldout!;
      assert.equal(same.rows, m.n);
      assert.equal(same.positives, m.positives);
      assert.equal(same.candidateTestVectors, 20, "the smoke config's test vectors, reproduced");
      assert.ok(Math.abs(same.candidate.prAuc! - m.prAuc!) < 1e-4, JSON.stringify([same.candidate, m]));
      assert.ok(Math.abs(same.candidate.rocAuc! - m.rocAuc!) < 1e-4, JSON.stringify([same.candidate, m]));
      assert.ok(Math.abs(same.candidate.brier! - m.brier!) < 1e-6, JSON.stringify([same.candidate, m]));
      assert.ok(
        same.champion && same.champion.rocAuc! >= 0 && same.champion.brier! > 0,
        JSON.stringify(same),
      );
      assert.deepEqual(
        await db.query(
          `select version, status from predictions.model_status where name = 'flood' and status <> 'RETIRED' order by status`,
        ),
        [
          { version: '1.2.0', status: 'CHAMPION' },
          { version: candidate, status: 'SHADOW' },
        ],
      );
      const [audit] = await db.query<{ action: string; actor: string; to_status: string }>(
        `select action, actor, to_status from predictions.model_audit where name = 'flood' and version = $1`,
        [candidate],
      );
      assert.deepEqual(audit, { action: 'retrain', actor: `retraining:${run.id}`, to_status: 'SHADOW' });
      const [consumed] = await db.query<{ consumed_by: string }>(
        'select consumed_by::text from predictions.retraining_trigger where id = $1',
        [triggerId],
      );
      assert.equal(consumed!.consumed_by, run.id);
    });

    it('the consumed trigger starts nothing more: a second drift run is skipped', async (t) => {
      if (!database) return t.skip('no Postgres on this machine');
      const outcome = await retrain(deps, {
        model: 'flood',
        trigger: 'drift',
        requestedBy: 'test',
        smoke: true,
      });
      assert.deepEqual(outcome, { status: 'skipped', reason: 'no pending drift trigger for flood' });
      const [{ n }] = (await db.query<{ n: number }>(
        'select count(*)::int as n from predictions.retraining_run',
      )) as [{ n: number }];
      assert.equal(n, 1);
    });

    it('a training that fails records a failed run, registers nothing and leaves no version behind', async (t) => {
      if (!database) return t.skip('no Postgres on this machine');
      const bad = path.join(dir, 'bad.json');
      await writeFile(
        bad,
        JSON.stringify({
          extends: path.join(ROOT, 'training/configs/flood_store.json'),
          features: ['rain_1h_mm', 'no_such_feature_mm'],
        }),
      );
      const before = await readdir(path.join(deps.modelsDir, 'flood'));
      const outcome = await retrain(deps, {
        model: 'flood',
        trigger: 'manual',
        requestedBy: 'test',
        smoke: true,
        config: bad,
      });
      assert.equal(outcome.status, 'failed');
      assert.ok('run' in outcome);
      assert.match(outcome.run.error!, /train\.py exited/);
      assert.equal(outcome.run.candidateVersion, null);
      assert.deepEqual(outcome.run.triggerIds, []);
      assert.deepEqual(await readdir(path.join(deps.modelsDir, 'flood')), before);
      assert.deepEqual(
        await db.query(
          `select version from predictions.model_status where name = 'flood' and status = 'SHADOW'`,
        ),
        [{ version: candidate }],
        "the failed run's candidate is not registered; the earlier one stays",
      );
      assert.deepEqual(
        await db.query('select id from predictions.model_audit where actor = $1', [
          `retraining:${outcome.run.id}`,
        ]),
        [],
      );
    });

    it("the worker's path: a pending degradation trigger is seen, and the CLI runs no drift retrain for it", async (t) => {
      if (!database) return t.skip('no Postgres on this machine');
      if (!('url' in database)) return t.skip('the CLI opens the database itself: Postgres only');
      await db.query(
        `insert into predictions.retraining_trigger (model, version, reason, details)
         values ('flood', '1.2.0', 'degradation', '{"metric":"pr_auc","observed":0.41}')`,
      );
      assert.equal(await pendingTrigger(db, 'flood'), 'degradation');
      const outcome = await runRetrainScript(
        ROOT,
        { model: 'flood', trigger: 'drift', requestedBy: 'test' },
        {
          ...process.env,
          DATABASE_URL: database.url,
          FEATURE_STORE_DIR: path.join(dir, 'offline'),
          LOG_LEVEL: 'silent',
        },
      );
      assert.deepEqual(outcome, { status: 'skipped', reason: 'no pending drift trigger for flood' });
      await db.query(`delete from predictions.retraining_trigger where reason = 'degradation'`);
    });

    it('retrainingRuns lists both runs, and the service loads the candidate as its shadow', async (t) => {
      if (!database) return t.skip('no Postgres on this machine');
      await db.close();
      const server = await startPredictionsService(
        testConfig(database, { MODELS_DIR: deps.modelsDir, ETL_EMBEDDED: 'false' }),
        logger,
      );
      const gql = async (query: string) => {
        const res = await fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [GATEWAY_SECRET_HEADER]: TEST_GATEWAY_SECRET },
          body: JSON.stringify({ query }),
        });
        return (await res.json()) as {
          data?: Record<string, any>;
          errors?: { extensions?: Record<string, unknown> }[];
        };
      };
      try {
        const { data, errors } = await gql(RUNS);
        assert.equal(errors, undefined, JSON.stringify(errors));
        const runs = data!['retrainingRuns'];
        assert.deepEqual(
          runs.map((r: { status: string; triggerKind: string }) => [r.status, r.triggerKind]),
          [
            ['failed', 'manual'],
            ['succeeded', 'drift'],
          ],
        );
        assert.equal(runs[1].candidateVersion, candidate);
        assert.deepEqual(runs[1].triggerIds, [triggerId]);
        assert.ok(runs[1].candidateMetrics.timeHoldout.prAuc > 0);
        assert.ok(runs[1].championMetrics.timeHoldout.prAuc > 0);
        assert.equal(runs[1].sameHoldout.rows, runs[1].candidateMetrics.timeHoldout.n);
        assert.ok(runs[1].sameHoldout.champion.prAuc > 0);
        assert.match(runs[0].error, /train\.py exited/);
        const health = await gql('{ modelHealth(name: "flood") { version shadow { version } } }');
        assert.deepEqual(health.data!['modelHealth'], { version: '1.2.0', shadow: { version: candidate } });
        const bad = await gql('{ retrainingRuns(first: 0) { id } }');
        assert.equal(bad.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
      } finally {
        await server.close();
      }
    });
  });
}
