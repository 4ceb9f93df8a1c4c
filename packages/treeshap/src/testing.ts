/**
 * Test support: hand-made tree ensembles written as ONNX bytes, and an independent brute-force
 * Shapley computation over them. Not exported from the package index.
 *
 * The brute force is the definition itself (Lundberg et al. 2018, §2 and §4.1): the value of a
 * coalition S is the path-dependent conditional expectation E[f(x) | x_S] — at a split on a feature
 * in S follow the row, otherwise average both children weighted by cover — and φ_i is the Shapley
 * weighted sum of v(S ∪ {i}) − v(S) over all S ⊆ F∖{i}. It shares no code with the explainer.
 */
import { encodeOnnxModel } from './onnx.ts';

export type SplitMode = 'BRANCH_LEQ' | 'BRANCH_LT' | 'BRANCH_GTE' | 'BRANCH_GT' | 'BRANCH_EQ' | 'BRANCH_NEQ';

export type TreeSpec =
  | { leaf: number[]; cover: number }
  | {
      mode: SplitMode;
      feature: number;
      threshold: number;
      missingTrue: boolean;
      cover: number;
      yes: TreeSpec;
      no: TreeSpec;
    };

export interface EnsembleSpec {
  nFeatures: number;
  nTargets: number;
  trees: TreeSpec[];
  base?: number[];
  /** Leave nodes_hitrates out, to test the refusal. */
  withoutHitrates?: boolean;
  aggregate?: 'SUM' | 'AVERAGE' | 'MIN' | 'MAX';
}

/** The spec's own reading of a split, onnxruntime's rule: `x CMP t || (missing_true && isnan(x))`. */
function specGoesYes(n: Exclude<TreeSpec, { leaf: number[] }>, v: number): boolean {
  const t = Math.fround(n.threshold);
  const cmp: Record<SplitMode, boolean> = {
    BRANCH_LEQ: v <= t,
    BRANCH_LT: v < t,
    BRANCH_GTE: v >= t,
    BRANCH_GT: v > t,
    BRANCH_EQ: v === t,
    BRANCH_NEQ: v !== t,
  };
  return cmp[n.mode] || (n.missingTrue && Number.isNaN(v));
}

/** E[f_tree(x) | x_S] per target, path-dependent (cover-weighted where the feature is not in S). */
function conditional(n: TreeSpec, x: number[], inS: (f: number) => boolean, out: number[], p: number): void {
  if ('leaf' in n) {
    n.leaf.forEach((w, t) => (out[t]! += p * w));
    return;
  }
  if (inS(n.feature)) {
    conditional(specGoesYes(n, x[n.feature]!) ? n.yes : n.no, x, inS, out, p);
  } else {
    conditional(n.yes, x, inS, out, (p * n.yes.cover) / n.cover);
    conditional(n.no, x, inS, out, (p * n.no.cover) / n.cover);
  }
}

function coalitionValue(spec: EnsembleSpec, x: number[], mask: number): number[] {
  const out = new Array<number>(spec.nTargets).fill(0);
  const scale = spec.aggregate === 'AVERAGE' ? 1 / spec.trees.length : 1;
  for (const tree of spec.trees) {
    const tmp = new Array<number>(spec.nTargets).fill(0);
    conditional(tree, x, (f) => (mask & (1 << f)) !== 0, tmp, 1);
    tmp.forEach((v, t) => (out[t]! += v * scale));
  }
  return out.map((v, t) => v + (spec.base?.[t] ?? 0));
}

/** Exact Shapley values by enumerating all 2^F coalitions: [target] -> { values, bias, margin }. */
export function bruteForceShap(
  spec: EnsembleSpec,
  row: number[],
): { values: number[]; bias: number; margin: number }[] {
  const F = spec.nFeatures;
  const x = row.map((v) => Math.fround(v));
  const v = Array.from({ length: 1 << F }, (_, mask) => coalitionValue(spec, x, mask));
  const fact = [1];
  for (let i = 1; i <= F; i++) fact.push(fact[i - 1]! * i);
  const popcount = (m: number): number => (m === 0 ? 0 : (m & 1) + popcount(m >>> 1));
  return Array.from({ length: spec.nTargets }, (_, t) => {
    const values = new Array<number>(F).fill(0);
    for (let i = 0; i < F; i++) {
      for (let mask = 0; mask < 1 << F; mask++) {
        if (mask & (1 << i)) continue;
        const s = popcount(mask);
        const w = (fact[s]! * fact[F - s - 1]!) / fact[F]!;
        values[i]! += w * (v[mask | (1 << i)]![t]! - v[mask]![t]!);
      }
    }
    return { values, bias: v[0]![t]!, margin: v[(1 << F) - 1]![t]! };
  });
}

/** The spec as a TreeEnsembleRegressor (ai.onnx.ml opset 3) model with input "input" [N, F]. */
export function specToOnnx(spec: EnsembleSpec): Uint8Array {
  const cols: Record<string, (number | string)[]> = {};
  const push = (k: string, v: number | string): void => {
    (cols[k] ??= []).push(v);
  };
  spec.trees.forEach((tree, treeId) => {
    let next = 0;
    const visit = (n: TreeSpec): number => {
      const id = next++;
      push('nodes_treeids', treeId);
      push('nodes_nodeids', id);
      push('nodes_hitrates', n.cover);
      if ('leaf' in n) {
        push('nodes_modes', 'LEAF');
        push('nodes_featureids', 0);
        push('nodes_values', 0);
        push('nodes_missing_value_tracks_true', 0);
        // Children are filled in after the recursion returns, in visiting order.
        push('nodes_truenodeids', 0);
        push('nodes_falsenodeids', 0);
        n.leaf.forEach((w, t) => {
          push('target_treeids', treeId);
          push('target_nodeids', id);
          push('target_ids', t);
          push('target_weights', w);
        });
        return id;
      }
      push('nodes_modes', n.mode);
      push('nodes_featureids', n.feature);
      push('nodes_values', n.threshold);
      push('nodes_missing_value_tracks_true', n.missingTrue ? 1 : 0);
      const row = cols['nodes_modes']!.length - 1;
      push('nodes_truenodeids', 0);
      push('nodes_falsenodeids', 0);
      cols['nodes_truenodeids']![row] = visit(n.yes);
      cols['nodes_falsenodeids']![row] = visit(n.no);
      return id;
    };
    visit(tree);
  });
  const ints = (name: string) => ({ name, type: 7, ints: cols[name] ?? [] });
  const floats = (name: string) => ({ name, type: 6, floats: cols[name] ?? [] });
  const attribute = [
    ints('nodes_treeids'),
    ints('nodes_nodeids'),
    ints('nodes_featureids'),
    floats('nodes_values'),
    { name: 'nodes_modes', type: 8, strings: (cols['nodes_modes'] ?? []).map((m) => Buffer.from(String(m))) },
    ints('nodes_truenodeids'),
    ints('nodes_falsenodeids'),
    ints('nodes_missing_value_tracks_true'),
    ...(spec.withoutHitrates ? [] : [floats('nodes_hitrates')]),
    ints('target_treeids'),
    ints('target_nodeids'),
    ints('target_ids'),
    floats('target_weights'),
    { name: 'n_targets', type: 2, i: spec.nTargets },
    { name: 'post_transform', type: 3, s: Buffer.from('NONE') },
    { name: 'aggregate_function', type: 3, s: Buffer.from(spec.aggregate ?? 'SUM') },
    ...(spec.base ? [{ name: 'base_values', type: 6, floats: spec.base }] : []),
  ];
  const tensor = (name: string, dims: ({ dim_param: string } | { dim_value: number })[]) => ({
    name,
    type: { tensor_type: { elem_type: 1, shape: { dim: dims } } },
  });
  return encodeOnnxModel({
    ir_version: 8,
    producer_name: 'treeshap-tests',
    opset_import: [
      { domain: '', version: 13 },
      { domain: 'ai.onnx.ml', version: 3 },
    ],
    graph: {
      name: 'hand_made',
      node: [
        {
          op_type: 'TreeEnsembleRegressor',
          domain: 'ai.onnx.ml',
          input: ['input'],
          output: ['variable'],
          attribute,
        },
      ],
      input: [tensor('input', [{ dim_param: 'N' }, { dim_value: spec.nFeatures }])],
      output: [tensor('variable', [{ dim_param: 'N' }, { dim_value: spec.nTargets }])],
    },
  });
}

/** A small deterministic PRNG (mulberry32), so the random ensembles are the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A random tree over `nFeatures` features using the given modes, thresholds from {0, 1, 2} (so EQ
 * and NEQ both fire, and LT/LEQ and GT/GTE differ at ties), random missing directions, features
 * repeated along paths, and covers that add up (parent = sum of children).
 */
export function randomTree(
  rand: () => number,
  opts: { nFeatures: number; nTargets: number; depth: number; modes: readonly SplitMode[] },
): TreeSpec {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const grow = (depth: number): TreeSpec => {
    if (depth === 0 || (depth < opts.depth && rand() < 0.2)) {
      // float32 values, as target_weights stores them, so the brute force sees the same numbers.
      const leaf = Array.from({ length: opts.nTargets }, () =>
        Math.fround(Math.round((rand() * 4 - 2) * 100) / 100),
      );
      return { leaf, cover: 1 + Math.floor(rand() * 20) };
    }
    const yes = grow(depth - 1);
    const no = grow(depth - 1);
    return {
      mode: pick(opts.modes),
      feature: Math.floor(rand() * opts.nFeatures),
      threshold: pick([0, 1, 2]),
      missingTrue: rand() < 0.5,
      cover: yes.cover + no.cover,
      yes,
      no,
    };
  };
  return grow(opts.depth);
}
