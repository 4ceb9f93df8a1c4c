import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { mkdtemp, cp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { OnnxModel } from '@cityassist/inference';
import { verifyTestVectors } from '@cityassist/inference';
import {
  assertFeatureSpec,
  gridWindow,
  windowBounds,
  windowFeatures,
  type AqiFeatureSpec,
} from './aqi-features.ts';

const MODEL_DIR = path.resolve(import.meta.dirname, '../../../../../models/aqi/1.0.0');

interface TestVectors {
  feature_names: string[];
  inputs: (number | null)[][];
  expected: Record<'forecast' | 'lower' | 'upper' | 'ratio', (number | null)[][]>;
  windows: { station: string; anchor: string; readings: (number | null)[]; features: (number | null)[] }[];
}

async function load(): Promise<{ spec: AqiFeatureSpec; vectors: TestVectors }> {
  const meta = JSON.parse(await readFile(path.join(MODEL_DIR, 'metadata.json'), 'utf8')) as {
    feature_spec: unknown;
    features: { name: string }[];
  };
  const vectors = JSON.parse(
    await readFile(path.join(MODEL_DIR, 'test_vectors.json'), 'utf8'),
  ) as TestVectors;
  return {
    spec: assertFeatureSpec(
      meta.feature_spec,
      meta.features.map((f) => f.name),
    ),
    vectors,
  };
}

describe('AQI features (window_features in TypeScript)', () => {
  it("reproduces every worked example of the model's test vectors to 1e-5", async () => {
    const { spec, vectors } = await load();
    assert.ok(vectors.windows.length >= 8, 'the model ships worked examples');
    let withMissing = 0;
    for (const w of vectors.windows) {
      if (w.readings.some((r) => r === null)) withMissing++;
      const got = windowFeatures(w.readings, new Date(w.anchor), spec);
      assert.ok(got, `${w.station} ${w.anchor}: no features`);
      assert.equal(got.length, w.features.length);
      w.features.forEach((e, j) => {
        const g = got[j]!;
        if (e === null) {
          assert.ok(Number.isNaN(g), `${w.station} ${spec.names[j]}: expected NaN, got ${g}`);
        } else {
          assert.ok(Math.abs(g - e) <= 1e-5, `${w.station} ${w.anchor} ${spec.names[j]}: ${g} vs ${e}`);
        }
      });
    }
    assert.ok(withMissing > 0, 'at least one example exercises missing readings');
  });

  it('gives no features when fewer than 12 of the last 24 readings are valid', async () => {
    const { spec } = await load();
    const window = Array.from({ length: 168 }, (_, i) => (i >= 156 ? 10 : 5)) as (number | null)[];
    for (let i = 144; i < 168; i++) if (i < 157) window[i] = null; // 11 valid in the last 24
    assert.equal(windowFeatures(window, new Date('2015-12-31T23:00:00Z'), spec), null);
    window[150] = 7; // 12 valid
    const f = windowFeatures(window, new Date('2015-12-31T23:00:00Z'), spec)!;
    assert.equal(f[spec.names.indexOf('n_missing')], 12);
    assert.equal(f[spec.names.indexOf('hour')], 23);
    assert.equal(f[spec.names.indexOf('dow')], 3, '2015-12-31 is a Thursday (Monday = 0)');
  });

  it('a short window counts as missing readings before its start', async () => {
    const { spec } = await load();
    const short = Array.from({ length: 30 }, () => 8);
    const f = windowFeatures(short, new Date('2015-12-31T23:00:00Z'), spec)!;
    assert.equal(f[0], 8, 'level');
    assert.ok(Number.isNaN(f[spec.names.indexOf('r_mean_168')]!), 'fewer than 42 valid: NaN');
  });

  it('snaps readings to the nearest hour and averages the ones that share an hour', async () => {
    const { spec } = await load();
    const anchor = new Date('2015-12-31T23:00:00Z');
    const w = gridWindow(
      [
        { at: new Date('2015-12-31T22:55:00Z'), value: 4 },
        { at: new Date('2015-12-31T23:20:00Z'), value: 6 },
        { at: new Date('2015-12-31T21:00:00Z'), value: 3 },
        { at: new Date('2016-01-01T00:00:00Z'), value: 99 }, // after the anchor: not in the window
        { at: new Date('2015-12-01T00:00:00Z'), value: 99 }, // before the window
      ],
      anchor,
      spec,
    );
    assert.equal(w.length, 168);
    assert.equal(w[167], 5);
    assert.ok(Number.isNaN(w[166]!));
    assert.equal(w[165], 3);
    assert.equal(w.filter((v) => Number.isFinite(v)).length, 2, 'nothing else landed in the window');
  });

  it('windowBounds reads exactly the readings gridWindow places, for any anchor', async () => {
    const { spec } = await load();
    const HOUR = 3_600_000;
    for (const anchor of [new Date('2015-12-31T19:00:00Z'), new Date('2026-03-02T10:00:00Z')]) {
      const { from, to } = windowBounds(anchor, spec);
      assert.deepEqual(
        [from.getTime(), to.getTime()],
        [anchor.getTime() - 167.5 * HOUR, anchor.getTime() + 0.5 * HOUR],
      );
      const placed = (at: Date) =>
        gridWindow([{ at, value: 1 }], anchor, spec).some((v) => Number.isFinite(v));
      // Both edges and a step inside each: in [from, to) exactly when gridWindow keeps it.
      for (const at of [from.getTime() - 1, from.getTime(), to.getTime() - 1, to.getTime()]) {
        assert.equal(
          placed(new Date(at)),
          at >= from.getTime() && at < to.getTime(),
          new Date(at).toISOString(),
        );
      }
    }
    // Off-grid anchors snap first, as the forecaster's do.
    assert.deepEqual(
      windowBounds(new Date('2015-12-31T22:40:00Z'), spec),
      windowBounds(new Date('2015-12-31T23:00:00Z'), spec),
    );
  });

  it('EXPECTED FAILURE - a feature_spec that disagrees with the model inputs is refused', async () => {
    const meta = JSON.parse(await readFile(path.join(MODEL_DIR, 'metadata.json'), 'utf8')) as {
      feature_spec: AqiFeatureSpec;
      features: { name: string }[];
    };
    const names = meta.features.map((f) => f.name);
    assert.throws(() => assertFeatureSpec({ ...meta.feature_spec, n_lags: 12 }, names), /not the ones/);
    assert.throws(() => assertFeatureSpec({ ...meta.feature_spec, season: 'day' }, names), /season/);
  });
});

describe('AQI model outputs (onnxruntime-node vs the native model)', () => {
  it('forecast, lower, upper and ratio match test_vectors.json (1e-5 × max(1, level))', async () => {
    const { vectors } = await load();
    const model = await OnnxModel.load(MODEL_DIR);
    try {
      const n = vectors.inputs.length;
      const data = Float32Array.from(vectors.inputs.flat().map((v) => v ?? Number.NaN));
      const out = await model.run(data, n);
      const levelAt = vectors.feature_names.indexOf('level');
      for (const name of ['forecast', 'lower', 'upper', 'ratio'] as const) {
        const got = out[name]!.data as Float32Array;
        assert.equal(got.length, n * 24);
        vectors.expected[name].forEach((row, i) => {
          const scale = name === 'ratio' ? 1 : Math.max(1, vectors.inputs[i]![levelAt]!);
          row.forEach((e, h) => {
            assert.ok(Math.abs(got[i * 24 + h]! - e!) <= 1e-5 * scale, `${name}[${i}][${h}]`);
          });
        });
      }
      assert.equal(await verifyTestVectors(model, MODEL_DIR), n, 'the start-up check passes too');
    } finally {
      await model.close();
    }
  });

  it('EXPECTED FAILURE - the start-up check refuses a model that does not reproduce its vectors', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'aqi-model-'));
    await cp(MODEL_DIR, dir, { recursive: true });
    const vectors = JSON.parse(await readFile(path.join(dir, 'test_vectors.json'), 'utf8')) as TestVectors;
    vectors.expected.upper[3]![5]! += 0.5;
    await writeFile(path.join(dir, 'test_vectors.json'), JSON.stringify(vectors));
    const model = await OnnxModel.load(dir);
    try {
      await assert.rejects(verifyTestVectors(model, dir), /test vector 3 gives upper\[5\]/);
    } finally {
      await model.close();
    }
  });
});
