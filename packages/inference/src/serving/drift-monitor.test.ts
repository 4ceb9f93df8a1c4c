import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { DriftMonitor, type DriftEvent } from './drift-monitor.ts';

const features = [{ name: 'rain', reference: { bins: [0, 1, 2, 3], counts: [800, 150, 50] } }];
const rows = (values: number[], tag: string) =>
  values.map((v, i) => ({ id: `${tag}-${i}`, inputs: Float32Array.from([v]) }));
const options = { warning: 0.1, drift: 0.25, window: 100, minRows: 50 };

function monitor(seen: DriftEvent[], registry = new Registry()): DriftMonitor {
  const sink = (e: DriftEvent) => {
    seen.push(e);
    return Promise.resolve();
  };
  return new DriftMonitor({ name: 'm', version: '1', features }, options, sink, registry);
}

describe('DriftMonitor', () => {
  it('hands the sink one event when a feature changes level, none while it stays there', async () => {
    const seen: DriftEvent[] = [];
    const m = monitor(seen);
    assert.equal((await m.observe(rows(new Array(40).fill(2.5), 'wet'))).length, 0, 'below minRows');
    const drift = await m.observe(rows(new Array(60).fill(2.5), 'wet2'));
    assert.equal(drift[0]?.level, 'DRIFT');
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.previousLevel, 'STABLE');
    assert.equal(seen[0]?.model, 'm');
    await m.observe(rows(new Array(10).fill(2.5), 'wet3'));
    assert.equal(seen.length, 1, 'still DRIFT: no new event');
  });

  it('counts a row asked about twice once, and keeps at most `window` rows', async () => {
    const m = monitor([]);
    await m.observe(rows(new Array(30).fill(0.5), 'dry'));
    await m.observe(rows(new Array(30).fill(0.5), 'dry'));
    assert.equal(m.current().rows, 30);
    await m.observe(rows(new Array(300).fill(0.5), 'more'));
    assert.equal(m.current().rows, 100);
  });

  it('shares one PSI gauge between versions of a registry', async () => {
    const registry = new Registry();
    const a = monitor([], registry);
    const b = new DriftMonitor(
      { name: 'm', version: '2', features },
      options,
      () => Promise.resolve(),
      registry,
    );
    await a.observe(rows(new Array(60).fill(0.5), 'a'));
    await b.observe(rows(new Array(60).fill(2.5), 'b'));
    const text = await registry.metrics();
    assert.match(text, /model_feature_psi\{model="m",version="1",feature="rain"\}/);
    assert.match(text, /model_feature_psi\{model="m",version="2",feature="rain"\}/);
  });
});
