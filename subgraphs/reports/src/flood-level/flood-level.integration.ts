import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { migrate, onEachDatabase, openDatabase } from '@cityassist/db';
import { createEventBus, FLOOD_LEVELS, type FloodLevelsEvent } from '@cityassist/events';
import { createLogger } from '@cityassist/service-kit';
import { subgraphUnderTest } from '@cityassist/service-kit/testing';
import { startReportsService } from '../service.ts';
import { pointIn, sceneImages, submitWithPhoto, testConfig } from '../testing.ts';
import { FloodLevelRepository } from './flood-level.repository.ts';

const REDIS_URL = 'redis://127.0.0.1:6379';

onEachDatabase((label, open) => {
  describe(`zone flood levels on ${label}`, () => {
    it('keeps the newest level per zone, and a complete event forgets zones it does not list', async (t) => {
      await using handle = await open();
      if (!handle) return t.skip('no Postgres on this machine');
      const db = await openDatabase(handle);
      try {
        await migrate(db, { dir: path.join(import.meta.dirname, '../migrations'), schema: 'reports' });
        const levels = new FloodLevelRepository(db);
        assert.equal(await levels.levelOf('A'), null, 'unknown before any event');
        await levels.apply({
          levels: [
            { zoneId: 'A', level: 'HIGH', asOf: '2025-11-06T10:00:00Z' },
            { zoneId: 'B', level: 'LOW', asOf: '2025-11-06T10:00:00Z' },
          ],
          complete: false,
        });
        await levels.apply({
          levels: [{ zoneId: 'A', level: 'LOW', asOf: '2025-11-06T09:00:00Z' }],
          complete: false,
        });
        assert.equal(await levels.levelOf('A'), 'HIGH', 'an older level arriving late changes nothing');
        await levels.apply({
          levels: [{ zoneId: 'A', level: 'SEVERE', asOf: '2025-11-06T11:00:00Z' }],
          complete: true,
        });
        assert.equal(await levels.levelOf('A'), 'SEVERE');
        assert.equal(await levels.levelOf('B'), null, 'B was not in the complete re-score: unknown now');
      } finally {
        await db.close();
      }
    });
  });
});

describe('flood levels over Redis', () => {
  const folders: string[] = [];
  const received: (() => void)[] = [];
  const subject = subgraphUnderTest(
    () => Promise.resolve({ dataDir: 'memory://', [Symbol.asyncDispose]: () => Promise.resolve() }),
    async (database) => {
      const config = testConfig(database, { REDIS_URL });
      folders.push((config.storage as { dir: string }).dir);
      return startReportsService(config, createLogger('reports', 'silent'), {
        onFloodLevels: () => received.shift()?.(),
      });
    },
  );
  after(async () => {
    for (const dir of folders) await rm(dir, { recursive: true, force: true });
  });

  it('escalates a fallen tree once predictions announce a HIGH level, and survives a malformed event', async () => {
    const zone = '260960005000042';
    const publisher = await createEventBus(REDIS_URL);
    try {
      const stored = new Promise<void>((resolve) => received.push(resolve));
      publisher.pubSub.publish(FLOOD_LEVELS, { levels: [{ zoneId: zone, level: 'BAD' }], complete: 'yes' });
      // Far in the future, so an event from another test run on the same Redis cannot overtake it.
      const event: FloodLevelsEvent = {
        levels: [{ zoneId: zone, level: 'HIGH', asOf: '2999-01-01T00:00:00Z' }],
        complete: false,
      };
      publisher.pubSub.publish(FLOOD_LEVELS, event);
      await stored;

      const scenes = await sceneImages();
      const res = await submitWithPhoto(
        subject.server!.url,
        `mutation($input: SubmitReportInput!, $photo: Upload) {
          submitReport(input: $input, photo: $photo) { suggestedPriority triage { label floodLevel } }
        }`,
        { location: await pointIn(zone), description: 'Tree on the drain', category: 'FALLEN_TREE' },
        { bytes: await scenes.fallen_tree.clone().png().toBuffer(), filename: 't.png', type: 'image/png' },
      );
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      assert.deepEqual(res.data!['submitReport'], {
        suggestedPriority: 'CRITICAL',
        triage: { label: 'fallen_tree', floodLevel: 'HIGH' },
      });
    } finally {
      await publisher.close();
    }
  });
});
