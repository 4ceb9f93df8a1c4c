import assert from 'node:assert/strict';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { onEachDatabase, openDatabase, type Database } from '@cityassist/db';
import { createEventBus } from '@cityassist/events';
import { ImageModel } from '@cityassist/inference';
import {
  createLogger,
  GATEWAY_SECRET_HEADER,
  postGraphQL,
  type RunningServer,
} from '@cityassist/service-kit';
import { subgraphUnderTest, TEST_GATEWAY_SECRET } from '@cityassist/service-kit/testing';
import { startReportsService } from '../service.ts';
import { asPrincipal, pointIn, sceneImages, submitWithPhoto, testConfig } from '../testing.ts';
import type { Classification, ImageClassifier } from '../triage/image-classifier.ts';
import { IdempotencyKeys, idempotentRequest } from './idempotency.ts';
import { ReportCategory } from './report.enums.ts';
import { ReportRepository } from './report.repository.ts';
import { REPORT_SUBMITTED } from './report.topics.ts';

const CREATE = `mutation($input: CreateReportInput!) {
  createReport(input: $input) { id status history { from to } }
}`;
const SUBMIT = `mutation($input: SubmitReportInput!, $photo: Upload) {
  submitReport(input: $input, photo: $photo) { id status photo { byteSize } triage { label } }
}`;
const ZONE = '260960005000010';
const repoRoot = path.resolve(import.meta.dirname, '../../../..');
const logger = createLogger('reports', 'silent');

let real: ImageModel;

/** The real image model, counting its calls; both replicas share it. */
class CountingModel implements ImageClassifier {
  calls = 0;
  classify(image: Buffer): Promise<Classification> {
    this.calls++;
    return real.classify(image);
  }
}

before(async () => {
  real = await ImageModel.load(path.join(repoRoot, 'models/image/1.0.0'), {
    batch: { maxBatchSize: 8, maxWaitMs: 2 },
  });
});
after(() => real.close());

async function storedFiles(dir: string, kind: 'photos' | 'heatmaps'): Promise<string[]> {
  return (await readdir(path.join(dir, kind)).catch(() => [] as string[])).sort();
}

onEachDatabase((label, open) => {
  describe(`idempotency keys on ${label}`, async () => {
    const events = await createEventBus(undefined);
    const model = new CountingModel();
    const held: { db?: Database; replica?: RunningServer; dir?: string } = {};
    // The second replica stops before the first and its database (registered before subgraphUnderTest's).
    after(() => held.replica?.close());
    const subject = subgraphUnderTest(open, async (database) => {
      const config = testConfig(database);
      held.dir = (config.storage as { dir: string }).dir;
      // Both replicas share one database, one photo folder and one bus, as two pods would.
      held.db = await openDatabase(database);
      const deps = { db: held.db, events, classifier: model };
      const first = await startReportsService(config, logger, deps);
      held.replica = await startReportsService(config, logger, deps);
      return first;
    });
    after(async () => {
      await held.db?.close();
      if (held.dir) await rm(held.dir, { recursive: true, force: true });
      await events.close();
    });

    // Every REPORT_SUBMITTED event either replica publishes.
    const submitted: string[] = [];
    const subscription = events.pubSub.subscribe(REPORT_SUBMITTED);
    void (async () => {
      for await (const report of subscription) submitted.push((report as { id: string }).id);
    })();
    after(() => subscription.return());
    /** Events published so far, once the bus has delivered them. */
    const eventsSoFar = async () => {
      await sleep(20);
      return submitted.length;
    };

    const urls = () => [subject.server!.url, held.replica!.url];
    const headersOf = (caller: string | undefined, key?: string) => ({
      [GATEWAY_SECRET_HEADER]: TEST_GATEWAY_SECRET,
      ...(caller ? asPrincipal(caller) : {}),
      ...(key === undefined ? {} : { 'idempotency-key': key }),
    });
    const create = (
      input: Record<string, unknown>,
      opts: { caller?: string | undefined; header?: string; replica?: 0 | 1 } = {},
    ) =>
      postGraphQL(
        urls()[opts.replica ?? 0]!,
        CREATE,
        { input: { zoneId: ZONE, category: 'POTHOLE', ...input } },
        headersOf('caller' in opts ? opts.caller : 'citizen-a', opts.header),
      );
    const rows = async (table: 'report' | 'idempotency_key' = 'report') =>
      (await held.db!.query<{ n: number }>(`select count(*)::int as n from reports.${table}`))[0]!.n;
    const idOf = (res: Awaited<ReturnType<typeof create>>, field = 'createReport'): string => {
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      return res.data![field].id as string;
    };
    const codeOf = (res: { errors?: { extensions?: Record<string, unknown> }[] }) =>
      res.errors?.[0]?.extensions?.['code'];

    it('a createReport repeated with its Idempotency-Key answers with the first report: one row, one event, one audit entry', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const [before, eventsBefore] = [await rows(), await eventsSoFar()];
      const input = { description: 'Pothole outside number 12' };
      const first = await create(input, { header: '"9b1f7a52-0d3e-4c47-9a59-1c1d6b1f0e11"' });
      const again = await create(input, { header: '"9b1f7a52-0d3e-4c47-9a59-1c1d6b1f0e11"' });
      const third = await create(input, { header: '"9b1f7a52-0d3e-4c47-9a59-1c1d6b1f0e11"', replica: 1 });
      assert.equal(idOf(again), idOf(first), 'the repeat names the first report');
      assert.equal(idOf(third), idOf(first), 'so does a repeat that reaches the other replica');
      assert.deepEqual(again.data!['createReport'].history, [{ from: null, to: 'OPEN' }]);
      assert.equal(await rows(), before + 1, 'one report row');
      assert.equal(await eventsSoFar(), eventsBefore + 1, 'one reportSubmitted event');

      const unkeyed = await create(input);
      assert.notEqual(idOf(unkeyed), idOf(first), 'without a key a repeat is a new report, as before');
    });

    it('the key comes from the header (a structured-field string or bare) or from input.idempotencyKey, as one key', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const before = await rows();
      const input = { description: 'Broken kerb' };
      // RFC 8941 sf-string escapes: the header "a\"b\\c-…" is the key a"b\c-….
      const key = `a"b\\c-${'k'.repeat(249)}`;
      assert.equal(key.length, 255, 'the longest key there is');
      const header = `"${key.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
      const id = idOf(await create(input, { header }));
      assert.equal(idOf(await create({ ...input, idempotencyKey: key })), id, 'the input field, no header');
      assert.equal(idOf(await create({ ...input, idempotencyKey: key }, { header })), id, 'both, equal');

      const bare = idOf(await create(input, { header: 'order-7f3c' }));
      assert.equal(
        idOf(await create({ ...input, idempotencyKey: 'order-7f3c' })),
        bare,
        'a bare header value',
      );
      assert.equal(idOf(await create(input, { header: '"order-7f3c"' })), bare, 'the same key quoted');

      const differ = await create({ ...input, idempotencyKey: 'order-1' }, { header: '"order-2"' });
      assert.equal(codeOf(differ), 'BAD_USER_INPUT', 'header and field name different keys');
      assert.equal(await rows(), before + 2);
    });

    it('the same key with a different request is IDEMPOTENCY_KEY_REUSED, and nothing more is stored', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const header = '"reuse-1"';
      const id = idOf(await create({ description: 'Tree leaning on a wire' }, { header }));
      const before = [await rows(), await eventsSoFar()];
      for (const input of [
        { description: 'Tree leaning on a wire, and a second one' },
        { description: 'Tree leaning on a wire', category: 'FALLEN_TREE' },
        { description: 'Tree leaning on a wire', zoneId: '260960005000011' },
      ]) {
        const res = await create(input, { header });
        assert.equal(codeOf(res), 'IDEMPOTENCY_KEY_REUSED', JSON.stringify(input));
        assert.match(res.errors![0]!.message, /already used for a different request/);
      }
      const otherMutation = await postGraphQL(
        subject.server.url,
        SUBMIT,
        { input: { location: await pointIn(ZONE), description: 'Tree leaning on a wire' } },
        headersOf('citizen-a', header),
      );
      assert.equal(codeOf(otherMutation), 'IDEMPOTENCY_KEY_REUSED', 'the key was used for createReport');
      assert.deepEqual([await rows(), await eventsSoFar()], before, 'no report, no event');
      const keyRows = await held.db!.query<{ report_id: string }>(
        `select report_id from reports.idempotency_key where key = 'reuse-1'`,
      );
      assert.deepEqual(keyRows, [{ report_id: id }], 'the key still names the first report');

      const spaced = await create({ description: '  Tree leaning on a wire ' }, { header });
      assert.equal(idOf(spaced), id, 'the request counts as normalised: the description is trimmed anyway');
    });

    it('two callers with the same key get a report each', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const before = await rows();
      const input = { description: 'Bags on the kerb', category: 'GARBAGE' };
      const a = idOf(await create(input, { caller: 'citizen-a', header: '"shared-key"' }));
      const b = idOf(await create(input, { caller: 'citizen-b', header: '"shared-key"' }));
      assert.notEqual(a, b);
      assert.equal(idOf(await create(input, { caller: 'citizen-a', header: '"shared-key"' })), a);
      assert.equal(idOf(await create(input, { caller: 'citizen-b', header: '"shared-key"' })), b);
      const other = await create(
        { description: 'Not the same' },
        { caller: 'citizen-c', header: '"shared-key"' },
      );
      assert.equal(codeOf(other), undefined, "another caller's use of a key does not bind this caller");
      assert.equal(await rows(), before + 3);
    });

    it('20 concurrent createReports with one key, over two replicas, make one report', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const [before, eventsBefore] = [await rows(), await eventsSoFar()];
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          create({ description: 'Flooded underpass' }, { header: '"burst-1"', replica: (i % 2) as 0 | 1 }),
        ),
      );
      const ids = new Set(answers.map((res) => idOf(res)));
      assert.equal(ids.size, 1, 'every answer names one report');
      assert.equal(await rows(), before + 1, 'one row');
      assert.equal(await eventsSoFar(), eventsBefore + 1, 'one event');
      const keyRows = await held.db!.query(`select 1 from reports.idempotency_key where key = 'burst-1'`);
      assert.equal(keyRows.length, 1);
    });

    it('20 concurrent keyed writes straight to the database make one report: the primary key decides, not the in-process queue', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const before = await rows();
      const reports = new ReportRepository(held.db!);
      const request = idempotentRequest({ principal: 'citizen-db', key: 'direct-1' }, 'createReport', [
        ZONE,
        'x',
        ReportCategory.OTHER,
      ]);
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, () =>
          reports.create(
            { zoneId: ZONE, description: 'x', category: ReportCategory.OTHER, actor: 'citizen-db' },
            request,
          ),
        ),
      );
      const created = outcomes.filter((o) => o.kind === 'created');
      assert.equal(created.length, 1, 'one transaction wrote a report');
      const firstIds = new Set(outcomes.map((o) => (o.kind === 'taken' ? o.first.reportId : o.report.id)));
      assert.equal(firstIds.size, 1, 'the other 19 found that report under the key');
      assert.equal(await rows(), before + 1);
    });

    it('a key first used more than 24 hours ago files a new report, and the purge deletes such keys', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const header = '"old-key"';
      const old = idOf(await create({ description: 'Street light out' }, { header }));
      await held.db!.query(
        `update reports.idempotency_key set created_at = now() - interval '24 hours 1 minute' where key = 'old-key'`,
      );
      const fresh = idOf(await create({ description: 'Street light out' }, { header }));
      assert.notEqual(fresh, old, 'the expired key made a new report');
      assert.equal(
        idOf(await create({ description: 'Street light out' }, { header })),
        fresh,
        'and now names it',
      );

      await held.db!.query(
        `update reports.idempotency_key set created_at = now() - interval '25 hours' where key = 'old-key'`,
      );
      const other = await create({ description: 'Another request entirely' }, { header });
      assert.equal(codeOf(other), undefined, 'after 24 hours the key may name another request');

      await held.db!.query(
        `update reports.idempotency_key set created_at = now() - interval '25 hours' where key = 'old-key'`,
      );
      const kept = await rows('idempotency_key');
      assert.equal(await new IdempotencyKeys(held.db!).purgeExpired(), 1);
      assert.equal(await rows('idempotency_key'), kept - 1);
      assert.equal(
        (await held.db!.query(`select 1 from reports.report where id = $1`, [old])).length,
        1,
        'the purge deletes keys, never reports',
      );
    });

    const HEADER = 'Idempotency-Key';
    const FIELD = 'input.idempotencyKey';
    for (const [what, header, field, caller, argument] of [
      ['an empty header', '', undefined, 'citizen-a', HEADER],
      ['a 256-character key', `"${'k'.repeat(256)}"`, undefined, 'citizen-a', HEADER],
      ['a 256-character input field', undefined, 'k'.repeat(256), 'citizen-a', FIELD],
      ['an empty input field', undefined, '', 'citizen-a', FIELD],
      ['a non-ASCII key (Latin-1 é)', '"cl\u00e9"', undefined, 'citizen-a', HEADER],
      ['a non-ASCII input field', undefined, 'clé-🔑', 'citizen-a', FIELD],
      ['a control character (tab)', 'a\tb', undefined, 'citizen-a', HEADER],
      ['a newline in the input field', undefined, 'a\nb', 'citizen-a', FIELD],
      ['a string with no closing quote', '"abc', undefined, 'citizen-a', HEADER],
      ['two header values (joined by a comma)', '"abc", "def"', undefined, 'citizen-a', HEADER],
      ['parameters after the string', '"abc";v=1', undefined, 'citizen-a', HEADER],
      ['an escape other than \\" and \\\\', '"a\\nb"', undefined, 'citizen-a', HEADER],
      ['a key from a caller the gateway did not authenticate', '"anon-key"', undefined, undefined, HEADER],
    ] as const) {
      it(`EXPECTED FAILURE - ${what} is refused with BAD_USER_INPUT and nothing is stored`, async (t) => {
        if (!subject.server) return t.skip('no Postgres on this machine');
        const before = await rows();
        const { t0 } = (await held.db!.query<{ t0: Date }>('select now() as t0'))[0]!;
        const res = await create(
          { description: 'Bad key', ...(field === undefined ? {} : { idempotencyKey: field }) },
          { caller, ...(header === undefined ? {} : { header }) },
        );
        assert.equal(codeOf(res), 'BAD_USER_INPUT', JSON.stringify(res.errors ?? res.data));
        assert.equal(res.errors![0]!.extensions!['argument'], argument, res.errors![0]!.message);
        assert.equal(await rows(), before);
        const keys = await held.db!.query('select 1 from reports.idempotency_key where created_at >= $1', [
          t0,
        ]);
        assert.deepEqual(keys, [], 'no key stored');
      });
    }

    it('a photo submission repeated with its key stores one photo, asks the model once, and answers the first report', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const scenes = await sceneImages();
      const location = await pointIn(ZONE);
      const png = await scenes.pothole.clone().png().toBuffer();
      const photo = { bytes: png, filename: 'hole.png', type: 'image/png' };
      const input = { location, description: 'Deep hole by the bus stop' };
      const submit = (key: string, replica: 0 | 1 = 0, p = photo, i: Record<string, unknown> = input) =>
        submitWithPhoto(urls()[replica]!, SUBMIT, i, p, headersOf('citizen-a', key));
      const [photosBefore, heatmapsBefore] = [
        (await storedFiles(held.dir!, 'photos')).length,
        (await storedFiles(held.dir!, 'heatmaps')).length,
      ];
      const [before, calls] = [await rows(), model.calls];

      const first = await submit('"photo-1"');
      const id = idOf(first, 'submitReport');
      assert.equal(first.data!['submitReport'].triage.label, 'pothole');
      const again = await submit('"photo-1"');
      assert.equal(idOf(again, 'submitReport'), id);
      assert.deepEqual(again.data!['submitReport'], first.data!['submitReport'], 'the same answer');
      assert.equal(model.calls, calls + 1, 'the repeat did not reach the model');
      assert.equal((await storedFiles(held.dir!, 'photos')).length, photosBefore + 1, 'one photo stored');
      assert.equal(
        (await storedFiles(held.dir!, 'heatmaps')).length,
        heatmapsBefore + 1,
        'one heatmap stored',
      );

      const otherPhoto = await scenes.fallen_tree.clone().png().toBuffer();
      const reused = await submit('"photo-1"', 0, { ...photo, bytes: otherPhoto });
      assert.equal(codeOf(reused), 'IDEMPOTENCY_KEY_REUSED', 'another photo is another request');
      assert.equal(model.calls, calls + 1, 'refused before the model is asked');

      // A burst over two replicas: each replica's first request can get as far as storing its
      // photo; the one whose transaction finds the key taken deletes what it stored.
      const burst = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          submit('"photo-2"', (i % 2) as 0 | 1, photo, { ...input, description: 'Second hole' }),
        ),
      );
      assert.equal(
        new Set(burst.map((res) => idOf(res, 'submitReport'))).size,
        1,
        'one report for the burst',
      );
      assert.equal(await rows(), before + 2, 'two reports in all');
      assert.equal(
        (await storedFiles(held.dir!, 'photos')).length,
        photosBefore + 2,
        'one photo per report: no orphan left by the twin that lost',
      );
      assert.equal((await storedFiles(held.dir!, 'heatmaps')).length, heatmapsBefore + 2);
      const referenced = await held.db!.query<{ photo_key: string }>(
        `select photo_key from reports.report where photo_key is not null`,
      );
      assert.deepEqual(
        (await storedFiles(held.dir!, 'photos')).map((f) => `photos/${f}`),
        referenced.map((r) => r.photo_key).sort(),
        'every stored photo belongs to a report',
      );
    });

    it('EXPECTED FAILURE - a photo submission with a bad key is refused, and its photo is neither stored nor triaged', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const scenes = await sceneImages();
      const png = await scenes.pothole.clone().png().toBuffer();
      const [photos, before, calls] = [
        (await storedFiles(held.dir!, 'photos')).length,
        await rows(),
        model.calls,
      ];
      const res = await submitWithPhoto(
        subject.server.url,
        SUBMIT,
        { location: await pointIn(ZONE), description: 'x' },
        { bytes: png, filename: 'p.png', type: 'image/png' },
        headersOf('citizen-a', '"no closing quote'),
      );
      assert.equal(codeOf(res), 'BAD_USER_INPUT', JSON.stringify(res.errors ?? res.data));
      assert.equal(res.errors![0]!.extensions!['argument'], 'Idempotency-Key');
      assert.deepEqual(
        [(await storedFiles(held.dir!, 'photos')).length, await rows(), model.calls],
        [photos, before, calls],
      );
    });
  });
});
