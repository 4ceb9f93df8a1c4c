import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { migrate, openDatabase } from '@cityassist/db';
import { migrateFeatureStore } from '@cityassist/feature-store';
import { createEventBus } from '@cityassist/events';
import type { DriftEvent } from '@cityassist/inference';
import { createLogger } from '@cityassist/service-kit';
import { createDriftSink, DRIFT_DETECTED } from './drift-sink.ts';

const event = (level: DriftEvent['level'], feature = 'rain'): DriftEvent => ({
  model: 'm',
  version: '1',
  feature,
  psi: level === 'DRIFT' ? 0.9 : 0.15,
  level,
  previousLevel: 'STABLE',
  rows: 200,
  at: new Date().toISOString(),
});

describe('the drift sink', () => {
  it('publishes every change and records one retraining trigger per version and feature a day', async () => {
    const db = await openDatabase({ dataDir: 'memory://' });
    const events = await createEventBus(undefined);
    try {
      await migrateFeatureStore(db);
      await migrate(db, { dir: path.join(import.meta.dirname, '../migrations'), schema: 'predictions' });
      const seen: DriftEvent[] = [];
      const sub = events.pubSub.subscribe(DRIFT_DETECTED);
      void (async () => {
        for await (const e of sub) seen.push(e as DriftEvent);
      })();
      const sink = createDriftSink(db, events, createLogger('t', 'silent'));
      await sink(event('WARNING'));
      await sink(event('DRIFT'));
      await sink(event('DRIFT')); // a restart forgets levels: the same change again
      await sink(event('DRIFT', 'soil'));
      await new Promise((r) => setTimeout(r, 10));
      assert.equal(seen.length, 4);
      const triggers = await db.query<{ feature: string }>(
        `select details->>'feature' as feature from predictions.retraining_trigger order by id`,
      );
      assert.deepEqual(
        triggers.map((t) => t.feature),
        ['rain', 'soil'],
      );
      await sub.return?.();
    } finally {
      await events.close();
      await db.close();
    }
  });
});
