/**
 * TreeSHAP against xgboost's pred_contribs (committed fixtures, see fixtures/make_fixtures.py),
 * against onnxruntime's margins, against brute-force Shapley values on hand-made ensembles using
 * every branch mode, and on the real flood model's test vectors when they exist.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { loadTreeExplainer, type TreeExplainer } from './index.ts';
import {
  bruteForceShap,
  prng,
  randomTree,
  specToOnnx,
  type EnsembleSpec,
  type SplitMode,
} from './testing.ts';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures');
const REPO = path.join(import.meta.dirname, '..', '..', '..');
const ALGORITHMS = ['fast', 'path'] as const;

interface Expected {
  inputs: (number | null)[][];
  margins: number[][];
  contribs: number[][][];
}
const expected = (name: string): Expected =>
  JSON.parse(readFileSync(path.join(FIXTURES, `${name}.expected.json`), 'utf8')) as Expected;

const toF32 = (rows: (number | null)[][]): Float32Array =>
  Float32Array.from(rows.flat(), (v) => (v === null ? Number.NaN : v));

function maxAbs(a: readonly number[], b: readonly number[]): number {
  assert.equal(a.length, b.length);
  return Math.max(0, ...a.map((v, i) => Math.abs(v - b[i]!)));
}

/** Our explanation of every row against the expected [row][target][F + 1]; returns the worst gaps. */
function compare(ex: TreeExplainer, exp: Expected): { contrib: number; margin: number; additivity: number } {
  const all = ex.explainAll(exp.inputs);
  let contrib = 0;
  let margin = 0;
  let additivity = 0;
  exp.inputs.forEach((row, r) => {
    const m = ex.margin(row);
    for (let t = 0; t < ex.nTargets; t++) {
      const ours = [...all[t]!.values[r]!, all[t]!.bias[r]!];
      contrib = Math.max(contrib, maxAbs(ours, exp.contribs[r]![t]!));
      margin = Math.max(margin, Math.abs(m[t]! - exp.margins[r]![t]!));
      additivity = Math.max(additivity, Math.abs(ours.reduce((s, v) => s + v, 0) - m[t]!));
    }
  });
  return { contrib, margin, additivity };
}

async function ortRun(model: string | Uint8Array, x: Float32Array, nFeatures: number) {
  const session =
    typeof model === 'string'
      ? await ort.InferenceSession.create(model)
      : await ort.InferenceSession.create(model);
  try {
    const out = await session.run({ input: new ort.Tensor('float32', x, [x.length / nFeatures, nFeatures]) });
    return out;
  } finally {
    await session.release();
  }
}

const logit = (p: number): number => Math.log(p / (1 - p));

describe('parity with xgboost pred_contribs', () => {
  const cases = [
    ['binary', 'binary'],
    ['binary_mixed_modes', 'binary'],
    ['binary_v5', 'binary'],
    ['regressor', 'regressor'],
    ['multiclass', 'multiclass'],
  ] as const;
  for (const [model, vectors] of cases) {
    for (const algorithm of ALGORITHMS) {
      it(`${model} (${algorithm}): contributions within 1e-4, sum + bias = margin within 1e-5`, async () => {
        const ex = await loadTreeExplainer(path.join(FIXTURES, `${model}.onnx`), { algorithm });
        const exp = expected(vectors);
        const gaps = compare(ex, exp);
        assert.ok(gaps.contrib < 1e-4, `max |ours - xgboost| = ${gaps.contrib}`);
        assert.ok(gaps.additivity < 1e-5, `max |sum + bias - margin| = ${gaps.additivity}`);
        assert.ok(gaps.margin < 1e-5, `max |margin - xgboost margin| = ${gaps.margin}`);
      });
    }
  }

  it('binary: bias equals expectedValue on every row and the flat layout matches explain()', async () => {
    const ex = await loadTreeExplainer(path.join(FIXTURES, 'binary.onnx'));
    const exp = expected('binary');
    const { values, bias } = ex.explain(exp.inputs);
    assert.ok(bias.every((b) => b === ex.expectedValue[0]));
    const { flat } = ex.explainFlat(toF32(exp.inputs));
    assert.deepEqual(Array.from(flat.subarray(0, ex.nFeatures)), values[0]);
  });

  it('multiclass: one set of contributions per class', async () => {
    const ex = await loadTreeExplainer(path.join(FIXTURES, 'multiclass.onnx'));
    assert.equal(ex.nTargets, 3);
    assert.equal(ex.explainAll(expected('multiclass').inputs).length, 3);
  });

  for (const algorithm of ALGORITHMS) {
    it(`one target of a multi-output model walks only its trees and equals explainAll bit for bit (AQI, ${algorithm})`, async () => {
      const ex = await loadTreeExplainer(path.join(REPO, 'models/aqi/1.0.0/model.onnx'), { algorithm });
      assert.equal(ex.nTargets, 24);
      const rows = new Float32Array(ex.nFeatures * 30).map((_, i) => ((i * 7919) % 97) / 20 - 1);
      rows[5] = Number.NaN;
      const all = ex.explainAll(rows);
      for (const target of [0, 11, 23]) assert.deepEqual(ex.explain(rows, 30, target), all[target]);
      // The flat form with targets leaves the other targets' contributions at 0 (their bias set).
      const { flat } = ex.explainFlat(rows, 30, undefined, [0]);
      const F = ex.nFeatures;
      assert.ok(
        flat.subarray(F + 1, 2 * (F + 1) - 1).every((v) => v === 0),
        'target 1 not walked',
      );
      assert.equal(flat[2 * (F + 1) - 1], ex.expectedValue[1]);
      assert.throws(() => ex.explainFlat(rows, 30, undefined, [24]), /target 24 of 24/);
    });
  }
});

describe('margins equal onnxruntime-node', () => {
  it('binary classifier: margin = logit(P(class 1)) from onnxruntime', async () => {
    for (const model of ['binary', 'binary_mixed_modes']) {
      const file = path.join(FIXTURES, `${model}.onnx`);
      const ex = await loadTreeExplainer(file);
      const exp = expected('binary');
      const out = await ortRun(file, toF32(exp.inputs), ex.nFeatures);
      const probs = out['probabilities']!.data as Float32Array;
      exp.inputs.forEach((row, r) => {
        const m = ex.margin(row)[0]!;
        const p = probs[r * 2 + 1]!;
        // float32 probabilities: compare in probability space, and the logit where it is well-conditioned.
        assert.ok(Math.abs(1 / (1 + Math.exp(-m)) - p) < 1e-6, `${model} row ${r}: sigmoid(${m}) vs ${p}`);
        if (p > 1e-3 && p < 1 - 1e-3) assert.ok(Math.abs(logit(p) - m) < 1e-4, `${model} row ${r}`);
      });
    }
  });

  it('regressor and opset-5 models: margins equal the output tensor', async () => {
    for (const [model, vectors] of [
      ['regressor', 'regressor'],
      ['binary_v5', 'binary'],
    ] as const) {
      const file = path.join(FIXTURES, `${model}.onnx`);
      const ex = await loadTreeExplainer(file);
      const exp = expected(vectors);
      const out = await ortRun(file, toF32(exp.inputs), ex.nFeatures);
      const y = Object.values(out)[0]!.data as Float32Array;
      exp.inputs.forEach((row, r) =>
        assert.ok(Math.abs(ex.margin(row)[0]! - y[r]!) < 1e-4, `${model} row ${r}`),
      );
    }
  });

  it('multiclass: softmax of our margins equals onnxruntime probabilities', async () => {
    const file = path.join(FIXTURES, 'multiclass.onnx');
    const ex = await loadTreeExplainer(file);
    const exp = expected('multiclass');
    const out = await ortRun(file, toF32(exp.inputs), ex.nFeatures);
    const probs = out['probabilities']!.data as Float32Array;
    exp.inputs.forEach((row, r) => {
      const m = ex.margin(row);
      const z = m.map((v) => Math.exp(v - Math.max(...m)));
      const sum = z.reduce((a, b) => a + b, 0);
      z.forEach((v, k) => assert.ok(Math.abs(v / sum - probs[r * 3 + k]!) < 1e-6, `row ${r} class ${k}`));
    });
  });
});

describe('opset 5 TreeEnsemble', () => {
  it('binary_v5 gives the same margins and contributions as the opset-3 encoding', async () => {
    const v3 = await loadTreeExplainer(path.join(FIXTURES, 'binary.onnx'));
    const v5 = await loadTreeExplainer(path.join(FIXTURES, 'binary_v5.onnx'));
    assert.equal(v5.source.op, 'TreeEnsemble');
    assert.equal(v5.source.opset, 5);
    const rows = expected('binary').inputs;
    rows.forEach((row) => assert.ok(Math.abs(v3.margin(row)[0]! - v5.margin(row)[0]!) < 1e-6));
    const a = v3.explain(rows);
    const b = v5.explain(rows);
    a.values.forEach((v, r) => assert.ok(maxAbs(v, b.values[r]!) < 1e-9));
    assert.ok(Math.abs(a.bias[0]! - b.bias[0]!) < 1e-6);
  });

  it('BRANCH_MEMBER, EQ and NEQ (membership_v5): margins equal onnxruntime, values equal brute force', async () => {
    // The same trees as fixtures/make_fixtures.py membership_v5(), as a spec for the brute force:
    // x0 in {1, 2, 5} is (x0 == 1 or 2 or 5); the brute force below handles it by hand.
    const file = path.join(FIXTURES, 'membership_v5.onnx');
    const rows = [
      [1, 0, 3],
      [Number.NaN, 1, 1],
      [7, Number.NaN, Number.NaN],
      [2, 0.5, 3],
      [5, 0.7, 2],
      [2, Number.NaN, 0],
    ];
    for (const algorithm of ALGORITHMS) {
      const ex = await loadTreeExplainer(file, { algorithm });
      const out = await ortRun(file, Float32Array.from(rows.flat()), 3);
      const y = Object.values(out)[0]!.data as Float32Array;
      const explained = ex.explain(rows);
      rows.forEach((row, r) => {
        assert.ok(Math.abs(ex.margin(row)[0]! - y[r]!) < 1e-6, `row ${r}: ${ex.margin(row)[0]} vs ${y[r]}`);
        const brute = membershipBruteForce(row);
        assert.ok(maxAbs(explained.values[r]!, brute.values) < 1e-9, `${algorithm} row ${r}`);
        assert.ok(Math.abs(explained.bias[r]! - brute.bias) < 1e-9);
      });
    }
  });

  it('EXPECTED FAILURE - opset-5 model without leaf covers in metadata', async () => {
    const bytes = readFileSync(path.join(FIXTURES, 'membership_v5.onnx'));
    // Drop the metadata_props entry by decoding, editing and re-encoding.
    const { readOnnxModel } = await import('./onnx.ts');
    const { ensembleFromOnnx } = await import('./ensemble.ts');
    const model = readOnnxModel(bytes);
    model.metadata.clear();
    assert.throws(() => ensembleFromOnnx(model), /opset 5 stores no cover for leaves/);
  });
});

/** Path-dependent Shapley values of the membership_v5 model by enumeration of the 8 coalitions. */
function membershipBruteForce(x: number[]): { values: number[]; bias: number } {
  const inSet = (v: number) => v === 1 || v === 2 || v === 5;
  type N =
    | { leaf: number; cover: number }
    | { go: (x: number[]) => boolean; f: number; cover: number; yes: N; no: N };
  const t0: N = {
    f: 0,
    cover: 100,
    go: (r) => (Number.isNaN(r[0]!) ? true : inSet(r[0]!)),
    yes: {
      f: 1,
      cover: 70,
      go: (r) => r[1]! <= 0.5,
      yes: { leaf: 1, cover: 40 },
      no: { leaf: -2, cover: 30 },
    },
    no: { leaf: 0.5, cover: 30 },
  };
  const t1: N = {
    f: 2,
    cover: 100,
    go: (r) => r[2] === 3,
    yes: { leaf: 3, cover: 20 },
    // onnxruntime: NaN != 2 is true, so NaN goes true on NEQ whatever missing_value_tracks_true says.
    no: {
      f: 0,
      cover: 80,
      go: (r) => Number.isNaN(r[0]!) || r[0] !== 2,
      yes: { leaf: -1, cover: 60 },
      no: { leaf: 0.25, cover: 20 },
    },
  };
  const value = (n: N, S: number): number => {
    if ('leaf' in n) return n.leaf;
    if (S & (1 << n.f)) return value(n.go(x) ? n.yes : n.no, S);
    return (n.yes.cover * value(n.yes, S) + n.no.cover * value(n.no, S)) / n.cover;
  };
  const v = (S: number) => value(t0, S) + value(t1, S);
  const w = [1 / 3, 1 / 6, 1 / 3]; // s!(2-s)!/3! for s = 0, 1, 2
  const values = [0, 1, 2].map((i) => {
    let phi = 0;
    for (let S = 0; S < 8; S++) {
      if (S & (1 << i)) continue;
      const s = [0, 1, 2].filter((k) => S & (1 << k)).length;
      phi += w[s]! * (v(S | (1 << i)) - v(S));
    }
    return phi;
  });
  return { values, bias: v(0) };
}

describe('branch modes and missing values against brute-force Shapley values', () => {
  const modes: SplitMode[] = [
    'BRANCH_LEQ',
    'BRANCH_LT',
    'BRANCH_GTE',
    'BRANCH_GT',
    'BRANCH_EQ',
    'BRANCH_NEQ',
  ];
  const groups: [string, readonly SplitMode[]][] = [
    ...modes.map((m) => [m, [m]] as [string, SplitMode[]]),
    ['all modes', modes],
  ];
  const values = [0, 1, 2, 0.5, 1.5, 3, -1, Number.NaN];

  for (const [name, use] of groups) {
    it(`${name}: hand-made ensembles (repeated features, NaN, ties) match enumeration and onnxruntime`, async () => {
      const rand = prng(name.length * 7919 + use.length);
      for (let trial = 0; trial < 4; trial++) {
        const nTargets = trial % 2 === 0 ? 1 : 2;
        const spec: EnsembleSpec = {
          nFeatures: 4,
          nTargets,
          trees: Array.from({ length: 3 }, () =>
            randomTree(rand, { nFeatures: 4, nTargets, depth: 4, modes: use }),
          ),
          base: Array.from({ length: nTargets }, (_, t) => 0.25 * (t + 1)),
          ...(trial === 3 ? { aggregate: 'AVERAGE' as const } : {}),
        };
        const bytes = specToOnnx(spec);
        const rows = Array.from({ length: 12 }, () =>
          Array.from({ length: 4 }, () => values[Math.floor(rand() * values.length)]!),
        );
        const out = await ortRun(bytes, Float32Array.from(rows.flat()), 4);
        const y = Object.values(out)[0]!.data as Float32Array;
        for (const algorithm of ALGORITHMS) {
          const ex = await loadTreeExplainer(bytes, { algorithm });
          const all = ex.explainAll(rows);
          rows.forEach((row, r) => {
            const brute = bruteForceShap(spec, row);
            for (let t = 0; t < nTargets; t++) {
              const where = `${name} trial ${trial} ${algorithm} row ${JSON.stringify(row)} target ${t}`;
              assert.ok(
                Math.abs(brute[t]!.margin - y[r * nTargets + t]!) < 1e-5,
                `brute margin vs onnxruntime, ${where}`,
              );
              assert.ok(
                Math.abs(ex.margin(row)[t]! - y[r * nTargets + t]!) < 1e-5,
                `margin vs onnxruntime, ${where}`,
              );
              assert.ok(maxAbs(all[t]!.values[r]!, brute[t]!.values) < 1e-9, `values, ${where}`);
              assert.ok(Math.abs(all[t]!.bias[r]! - brute[t]!.bias) < 1e-9, `bias, ${where}`);
            }
          });
        }
      }
    });
  }

  it('NaN follows missing_value_tracks_true, except on NEQ where onnxruntime sends it true', async () => {
    const leaf = (v: number, cover: number) => ({ leaf: [v], cover });
    const split = (mode: SplitMode, missingTrue: boolean) => ({
      mode,
      feature: 0,
      threshold: 1,
      missingTrue,
      cover: 10,
      yes: leaf(1, 4),
      no: leaf(-1, 6),
    });
    const cases: [SplitMode, boolean, number][] = [
      ['BRANCH_LEQ', true, 1],
      ['BRANCH_LEQ', false, -1],
      ['BRANCH_GT', true, 1],
      ['BRANCH_EQ', false, -1],
      ['BRANCH_NEQ', false, 1],
      ['BRANCH_NEQ', true, 1],
    ];
    for (const [mode, missingTrue, want] of cases) {
      const spec: EnsembleSpec = { nFeatures: 1, nTargets: 1, trees: [split(mode, missingTrue)] };
      const ex = await loadTreeExplainer(specToOnnx(spec));
      assert.equal(ex.margin([null])[0], want, `${mode} missingTrue=${missingTrue}`);
      // The "cold" branch is weighted by cover as usual: E = (4·1 + 6·(−1))/10 = −0.2.
      const { values, bias } = ex.explain([[null]]);
      assert.ok(Math.abs(bias[0]! - -0.2) < 1e-12);
      assert.ok(Math.abs(values[0]![0]! - (want - -0.2)) < 1e-12);
    }
  });
});

describe('failures', () => {
  const oneSplit: EnsembleSpec = {
    nFeatures: 2,
    nTargets: 1,
    trees: [
      {
        mode: 'BRANCH_LT',
        feature: 1,
        threshold: 0,
        missingTrue: false,
        cover: 3,
        yes: { leaf: [1], cover: 1 },
        no: { leaf: [2], cover: 2 },
      },
    ],
  };

  it('EXPECTED FAILURE - model without nodes_hitrates', async () => {
    await assert.rejects(
      loadTreeExplainer(specToOnnx({ ...oneSplit, withoutHitrates: true })),
      /nodes_hitrates is absent/,
    );
  });

  it('EXPECTED FAILURE - aggregate_function MAX is not additive', async () => {
    await assert.rejects(loadTreeExplainer(specToOnnx({ ...oneSplit, aggregate: 'MAX' })), /not additive/);
  });

  it('EXPECTED FAILURE - zero cover on a child', async () => {
    const tree = { ...oneSplit.trees[0]!, yes: { leaf: [1], cover: 0 } } as EnsembleSpec['trees'][number];
    await assert.rejects(loadTreeExplainer(specToOnnx({ ...oneSplit, trees: [tree] })), /positive cover/);
  });

  it('EXPECTED FAILURE - not an ONNX file', async () => {
    await assert.rejects(loadTreeExplainer(new TextEncoder().encode('{"not": "onnx"}')), /not an ONNX model/);
  });

  it('EXPECTED FAILURE - a model without a tree ensemble', async () => {
    const { encodeOnnxModel } = await import('./onnx.ts');
    const bytes = encodeOnnxModel({
      ir_version: 8,
      graph: { name: 'g', node: [{ op_type: 'Relu', input: ['x'], output: ['y'] }] },
    });
    await assert.rejects(loadTreeExplainer(bytes), /no TreeEnsembleRegressor/);
  });

  it('EXPECTED FAILURE - row has wrong width', async () => {
    const ex = await loadTreeExplainer(specToOnnx(oneSplit));
    assert.throws(() => ex.explain([[1, 2, 3]]), /row 0 has 3 values; the model reads 2/);
    assert.throws(() => ex.explain(new Float32Array(3)), /not a whole number of rows/);
  });
});

describe('flood model test vectors (models/flood/*/)', () => {
  const floodDir = path.join(REPO, 'models', 'flood');
  const versions = existsSync(floodDir)
    ? readdirSync(floodDir).filter(
        (v) =>
          existsSync(path.join(floodDir, v, 'model.onnx')) &&
          existsSync(path.join(floodDir, v, 'test_vectors.json')),
      )
    : [];
  if (versions.length === 0) {
    it('skipped: no models/flood/<version>/model.onnx with test_vectors.json yet', (t) => {
      t.skip('models/flood/<version>/{model.onnx,test_vectors.json} not present');
    });
  }
  for (const version of versions) {
    it(`flood ${version}: contributions within 1e-4 of pred_contribs, margins and probabilities agree`, async () => {
      const dir = path.join(floodDir, version);
      const tv = JSON.parse(readFileSync(path.join(dir, 'test_vectors.json'), 'utf8')) as {
        inputs: (number | null)[][];
        probabilities?: number[];
        margins?: number[];
        contribs?: number[][];
      };
      const ex = await loadTreeExplainer(path.join(dir, 'model.onnx'));
      const { values, bias } = ex.explain(tv.inputs);
      tv.inputs.forEach((row, r) => {
        const m = ex.margin(row)[0]!;
        if (tv.contribs) {
          assert.ok(maxAbs([...values[r]!, bias[r]!], tv.contribs[r]!) < 1e-4, `row ${r} contributions`);
        }
        if (tv.margins) assert.ok(Math.abs(m - tv.margins[r]!) < 1e-4, `row ${r} margin`);
        if (tv.probabilities) {
          assert.ok(Math.abs(1 / (1 + Math.exp(-m)) - tv.probabilities[r]!) < 1e-5, `row ${r} p`);
        }
        assert.ok(Math.abs(values[r]!.reduce((a, b) => a + b, 0) + bias[r]! - m) < 1e-5);
      });
    });
  }
});
