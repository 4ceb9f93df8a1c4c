import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { migrate, onEachDatabase, openDatabase, type Database } from '@cityassist/db';
import { createLogger } from '@cityassist/service-kit';
import { subgraphUnderTest } from '@cityassist/service-kit/testing';
import { startReportsService } from '../service.ts';
import { FolderObjectStore } from '../storage/folder-store.ts';
import type { ObjectStore, StoredObject } from '../storage/object-store.ts';
import { pointIn, sceneImages, submitWithPhoto, testConfig } from '../testing.ts';

const SUBMIT = `mutation($input: SubmitReportInput!, $photo: Upload) {
  submitReport(input: $input, photo: $photo) { id triage { label } }
}`;
const COUNT = '{ reports(first: 1) { totalCount } }';

// The database refuses one row, as a full disk or a lost connection would, after the images are stored.
const FAIL_ON_EXPLODE = `
create function reports.fail_insert() returns trigger language plpgsql as $$
begin
  if new.description = 'explode' then raise exception 'disk full (test)'; end if;
  return new;
end $$;
create trigger fail_insert before insert on reports.report for each row execute function reports.fail_insert();`;

async function keys(store: ObjectStore): Promise<string[]> {
  const out: StoredObject[] = [];
  for (const prefix of ['photos/', 'heatmaps/']) for await (const o of store.list(prefix)) out.push(o);
  return out.map((o) => o.key).sort();
}

onEachDatabase((label, open) => {
  describe(`a report the database cannot take, on ${label}`, () => {
    const held: { db?: Database; store?: ObjectStore; dir?: string } = {};
    const subject = subgraphUnderTest(open, async (database) => {
      const config = testConfig(database);
      const dir = (config.storage as { dir: string }).dir;
      held.dir = dir;
      held.db = await openDatabase(database);
      await migrate(held.db, { dir: path.join(import.meta.dirname, '../migrations'), schema: 'reports' });
      await held.db.exec(FAIL_ON_EXPLODE);
      held.store = await FolderObjectStore.open(dir);
      return startReportsService(config, createLogger('reports', 'silent'), {
        db: held.db,
        store: held.store,
      });
    });
    after(async () => {
      await held.db?.close();
      if (held.dir) await rm(held.dir, { recursive: true, force: true });
    });

    it('EXPECTED FAILURE - is refused, and the photo and heatmap it stored are deleted again', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const scenes = await sceneImages();
      const png = await scenes.pothole.clone().png().toBuffer();
      const location = await pointIn('260960005000010');
      const res = await submitWithPhoto(
        subject.server.url,
        SUBMIT,
        { location, description: 'explode' },
        { bytes: png, filename: 'p.png', type: 'image/png' },
      );
      assert.equal(res.errors?.[0]?.extensions?.['code'], 'INTERNAL_SERVER_ERROR');
      assert.equal(res.errors?.[0]?.message, 'Internal server error', 'no SQL reaches the client');
      assert.deepEqual(await keys(held.store!), [], 'no image is left without its report');
      assert.equal((await subject.gql(COUNT)).data!['reports'].totalCount, 0);

      const good = await submitWithPhoto(
        subject.server.url,
        SUBMIT,
        { location, description: 'A pothole' },
        { bytes: png, filename: 'p.png', type: 'image/png' },
      );
      assert.equal(good.errors, undefined, JSON.stringify(good.errors));
      assert.equal((await keys(held.store!)).length, 2, 'the next report stores its photo and heatmap');
    });
  });
});
