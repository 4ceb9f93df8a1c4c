import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { migrate, openDatabase } from '@cityassist/db';
import { createEventBus } from '@cityassist/events';
import { createLogger } from '@cityassist/service-kit';
import { Registry } from 'prom-client';
import { DRIFT_DETECTED, DriftMonitor, type DriftEvent } from './drift-monitor.ts';

const features = [{ name: 'rain', reference: { bins: [0, 1, 2, 3], counts: [800, 150, 50] } }];
const rows = (values: number[], tag: string) =>
  values.map((v, i) => ({ predictionId: `${tag}-${i}`, inputs: Float32Array.from([v]) }));

describe('DriftMonitor', () => {
  it('raises an event when a feature changes level, and records one retraining trigger a day', async () => {
    const db = await openDatabase({ dataDir: 'memory://' });
    const events = await createEventBus(undefined);
    try {
      await migrate(db, { dir: path.join(import.meta.dirname, '../migrations'), schema: 'predictions' });
      const options = { warning: 0.1, drift: 0.25, window: 100, minRows: 50 };
      const seen: DriftEvent[] = [];
      const sub = events.pubSub.subscribe(DRIFT_DETECTED);
      void (async () => {
        for await (const e of sub) seen.push(e as DriftEvent);
      })();
      const make = () =>
        new DriftMonitor(
          { name: 'm', version: '1', features },
          options,
          db,
          events,
          createLogger('t', 'silent'),
          new Registry(),
        );

      const monitor = make();
      assert.deepEqual(
        (await monitor.observe(rows(new Array(40).fill(2.5), 'wet'))).length,
        0,
        'below minRows',
      );
      const drift = await monitor.observe(rows(new Array(60).fill(2.5), 'wet2'));
      assert.equal(drift[0]?.level, 'DRIFT');
      await new Promise((r) => setTimeout(r, 10));
      assert.equal(seen.length, 1);
      assert.equal(seen[0]?.previousLevel, 'STABLE');

      // A restart forgets the levels; the trigger is not recorded twice in a day.
      await make().observe(rows(new Array(100).fill(2.5), 'again'));
      const triggers = await db.query<{ n: number }>(
        'select count(*)::int as n from predictions.retraining_trigger',
      );
      assert.equal(triggers[0]?.n, 1);

      // Asking about the same rows again does not fill the window.
      const same = make();
      await same.observe(rows(new Array(30).fill(0.5), 'dry'));
      await same.observe(rows(new Array(30).fill(0.5), 'dry'));
      assert.equal(same.current().rows, 30);
    } finally {
      await events.close();
      await db.close();
    }
  });
});
