/**
 * The tree ensemble of an ONNX model, flattened into typed arrays: the one representation the
 * evaluator and both TreeSHAP algorithms read. Built from `TreeEnsembleRegressor` /
 * `TreeEnsembleClassifier` (ai.onnx.ml opsets 1–3) or `TreeEnsemble` (ai.onnx.ml opset 5).
 */
import {
  AttributeType,
  DataType,
  tensorValues,
  type OnnxAttribute,
  type OnnxModel,
  type OnnxNode,
} from './onnx.ts';

/** Split comparisons, numbered as opset 5's `nodes_modes` tensor does; LEAF is ours. */
export const Mode = { LEQ: 0, LT: 1, GTE: 2, GT: 3, EQ: 4, NEQ: 5, MEMBER: 6, LEAF: 7 } as const;
export type ModeName = keyof typeof Mode;

const V3_MODES: Record<string, number> = {
  BRANCH_LEQ: Mode.LEQ,
  BRANCH_LT: Mode.LT,
  BRANCH_GTE: Mode.GTE,
  BRANCH_GT: Mode.GT,
  BRANCH_EQ: Mode.EQ,
  BRANCH_NEQ: Mode.NEQ,
  LEAF: Mode.LEAF,
};

/**
 * Opset 5 keeps `nodes_hitrates` for interior nodes only: leaves have no cover attribute at all, and
 * TreeSHAP needs the cover of every child. Models written by this project's exporters carry the leaf
 * covers in this metadata_props entry, a JSON array in `leaf_*` order. Without it loading fails.
 */
export const LEAF_HITRATES_KEY = 'treeshap.leaf_hitrates';

export type TreeOp = 'TreeEnsembleRegressor' | 'TreeEnsembleClassifier' | 'TreeEnsemble';

export interface Ensemble {
  op: TreeOp;
  /** ai.onnx.ml opset the model imports. */
  opset: number;
  nFeatures: number;
  nTargets: number;
  /** Root node of each tree (indices into the node arrays). */
  roots: Int32Array;
  mode: Uint8Array;
  feature: Int32Array;
  threshold: Float64Array;
  yes: Int32Array;
  no: Int32Array;
  /**
   * 1 where a NaN input takes the `yes` (true) branch. This is onnxruntime's rule, which the
   * explanation must follow to explain what the runtime computes: NaN goes true when
   * `missing_value_tracks_true` is set *or* the comparison itself is true for NaN, which only
   * BRANCH_NEQ is (NaN != t). So NEQ sends NaN true whatever the flag says.
   */
  missingYes: Uint8Array;
  /** Training cover (hit rate) of every node, leaves included. */
  cover: Float64Array;
  /** BRANCH_MEMBER sets, by node. */
  members: Map<number, Set<number>>;
  /** Leaf weights as CSR: entries leafStart[n] .. leafStart[n+1] of leafTarget/leafWeight. */
  leafStart: Int32Array;
  leafTarget: Int32Array;
  leafWeight: Float64Array;
  /** Added to each target's margin after the trees (base_values). */
  base: Float64Array;
  /** Multiplies every tree's output: 1 for SUM, 1/nTrees for AVERAGE. */
  treeScale: number;
  postTransform: string;
  /** The model's input is float64; otherwise rows are rounded to float32 as onnxruntime reads them. */
  doubleInput: boolean;
  maxDepth: number;
}

const ML_DOMAIN = 'ai.onnx.ml';
const TREE_OPS: readonly string[] = ['TreeEnsembleRegressor', 'TreeEnsembleClassifier', 'TreeEnsemble'];

class Attrs {
  private readonly byName: Map<string, OnnxAttribute>;
  constructor(
    node: OnnxNode,
    private readonly where: string,
  ) {
    this.byName = new Map(node.attribute.map((a) => [a.name, a]));
  }
  has(name: string): boolean {
    return this.byName.has(name);
  }
  ints(name: string, required = true): number[] {
    const a = this.byName.get(name);
    if (!a) return this.missing(name, required);
    return a.ints;
  }
  /** FLOATS, or the `<name>_as_tensor` double tensor that opset 3 allows instead. */
  floats(name: string, required = true): number[] {
    const a = this.byName.get(name);
    if (a) return a.type === AttributeType.TENSOR && a.t ? tensorValues(a.t, name) : a.floats;
    const t = this.byName.get(`${name}_as_tensor`)?.t;
    if (t) return tensorValues(t, `${name}_as_tensor`);
    return this.missing(name, required);
  }
  tensor(name: string, required = true): number[] {
    const t = this.byName.get(name)?.t;
    if (t) return tensorValues(t, name);
    return this.missing(name, required);
  }
  strings(name: string, required = true): string[] {
    const a = this.byName.get(name);
    if (!a) return this.missing(name, required);
    return a.strings.map((s) => new TextDecoder().decode(s));
  }
  string(name: string, fallback: string): string {
    const a = this.byName.get(name);
    return a ? new TextDecoder().decode(a.s) : fallback;
  }
  int(name: string, fallback: number): number {
    return this.byName.get(name)?.i ?? fallback;
  }
  private missing(name: string, required: boolean): never[] {
    if (required) throw new Error(`${this.where}: attribute ${name} is missing`);
    return [];
  }
}

/** Finds the one tree-ensemble node of the model and flattens it. */
export function ensembleFromOnnx(model: OnnxModel): Ensemble {
  const found = model.nodes.filter(
    (n) => TREE_OPS.includes(n.opType) && (n.domain === ML_DOMAIN || n.domain === ''),
  );
  if (found.length === 0) {
    const ops = [...new Set(model.nodes.map((n) => n.opType))].join(', ') || 'none';
    throw new Error(`no TreeEnsembleRegressor/TreeEnsembleClassifier/TreeEnsemble node (ops: ${ops})`);
  }
  if (found.length > 1) throw new Error(`${found.length} tree-ensemble nodes; explain one model at a time`);
  const node = found[0]!;
  const opset = model.opsets.get(ML_DOMAIN) ?? 1;
  const input = model.inputs.find((i) => i.name === node.input[0]);
  const width = input?.shape.length === 2 ? input.shape[1] : undefined;
  const where = `${node.opType} ${node.name || '(unnamed)'}`;
  const builder = new Builder(node.opType as TreeOp, opset, input?.elemType === DataType.DOUBLE);
  if (node.opType === 'TreeEnsemble') readV5(new Attrs(node, where), model, builder, where);
  else readV3(new Attrs(node, where), node.opType as TreeOp, builder, where);
  return builder.finish(width, where);
}

/** Accumulates nodes in the final (pre-order per tree) numbering. */
class Builder {
  mode: number[] = [];
  feature: number[] = [];
  threshold: number[] = [];
  yes: number[] = [];
  no: number[] = [];
  missingYes: number[] = [];
  cover: number[] = [];
  members = new Map<number, Set<number>>();
  leaves: { target: number; weight: number }[][] = [];
  roots: number[] = [];
  nTargets = 0;
  base: number[] = [];
  treeScale = 1;
  postTransform = 'NONE';
  maxDepth = 0;

  constructor(
    readonly op: TreeOp,
    readonly opset: number,
    readonly doubleInput: boolean,
  ) {}

  add(mode: number, feature: number, threshold: number, missingTrue: boolean, cover: number): number {
    const i = this.mode.length;
    this.mode.push(mode);
    this.feature.push(feature);
    this.threshold.push(threshold);
    this.yes.push(-1);
    this.no.push(-1);
    // See Ensemble.missingYes: onnxruntime evaluates `x CMP t || (missing_true && isnan(x))`.
    this.missingYes.push(missingTrue || mode === Mode.NEQ ? 1 : 0);
    this.cover.push(cover);
    this.leaves.push([]);
    return i;
  }

  finish(width: number | undefined, where: string): Ensemble {
    const n = this.mode.length;
    let maxFeature = -1;
    for (let i = 0; i < n; i++) {
      if (this.mode[i] === Mode.LEAF) continue;
      maxFeature = Math.max(maxFeature, this.feature[i]!);
      if (!(this.cover[i]! > 0) || !(this.cover[this.yes[i]!]! > 0) || !(this.cover[this.no[i]!]! > 0)) {
        // TreeSHAP divides a child's cover by its parent's (paper §4.1, Algorithm 2 lines 15–16).
        throw new Error(
          `${where}: TreeSHAP needs a positive cover (hit rate) on every node; a split on feature ` +
            `${this.feature[i]} has covers ${this.cover[i]} -> ${this.cover[this.yes[i]!]}/${this.cover[this.no[i]!]}`,
        );
      }
    }
    const nFeatures = width ?? maxFeature + 1;
    if (maxFeature >= nFeatures) {
      throw new Error(`${where}: a split uses feature ${maxFeature} but the input has ${nFeatures} columns`);
    }
    const leafStart = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) leafStart[i + 1] = leafStart[i]! + this.leaves[i]!.length;
    const leafTarget = new Int32Array(leafStart[n]!);
    const leafWeight = new Float64Array(leafStart[n]!);
    for (let i = 0; i < n; i++) {
      this.leaves[i]!.forEach((l, j) => {
        leafTarget[leafStart[i]! + j] = l.target;
        leafWeight[leafStart[i]! + j] = l.weight;
      });
    }
    return {
      op: this.op,
      opset: this.opset,
      nFeatures,
      nTargets: this.nTargets,
      roots: Int32Array.from(this.roots),
      mode: Uint8Array.from(this.mode),
      feature: Int32Array.from(this.feature),
      threshold: Float64Array.from(this.threshold),
      yes: Int32Array.from(this.yes),
      no: Int32Array.from(this.no),
      missingYes: Uint8Array.from(this.missingYes),
      cover: Float64Array.from(this.cover),
      members: this.members,
      leafStart,
      leafTarget,
      leafWeight,
      base: Float64Array.from(this.base),
      treeScale: this.treeScale,
      postTransform: this.postTransform,
      doubleInput: this.doubleInput,
      maxDepth: this.maxDepth,
    };
  }
}

function checkLengths(where: string, lengths: Record<string, number>): void {
  const [first, ...rest] = Object.entries(lengths);
  for (const [name, len] of rest) {
    if (len !== first![1]) {
      throw new Error(`${where}: ${name} has ${len} entries, ${first![0]} has ${first![1]}`);
    }
  }
}

function baseValues(base: number[], nTargets: number, where: string): number[] {
  if (base.length === 0) return new Array<number>(nTargets).fill(0);
  if (base.length !== nTargets) {
    throw new Error(`${where}: ${base.length} base_values for ${nTargets} target(s)`);
  }
  return base;
}

/** TreeEnsembleRegressor / TreeEnsembleClassifier, ai.onnx.ml opsets 1–3. */
function readV3(a: Attrs, op: TreeOp, b: Builder, where: string): void {
  const treeIds = a.ints('nodes_treeids');
  const nodeIds = a.ints('nodes_nodeids');
  const featureIds = a.ints('nodes_featureids');
  const values = a.floats('nodes_values');
  const modes = a.strings('nodes_modes');
  const trueIds = a.ints('nodes_truenodeids');
  const falseIds = a.ints('nodes_falsenodeids');
  const missing = a.ints('nodes_missing_value_tracks_true', false);
  const hitrates = a.floats('nodes_hitrates', false);
  if (hitrates.length === 0) {
    throw new Error(
      `${where}: nodes_hitrates is absent; exact TreeSHAP needs each node's training cover there ` +
        `(re-export the model with hit rates = cover)`,
    );
  }
  checkLengths(where, {
    nodes_treeids: treeIds.length,
    nodes_nodeids: nodeIds.length,
    nodes_featureids: featureIds.length,
    nodes_values: values.length,
    nodes_modes: modes.length,
    nodes_truenodeids: trueIds.length,
    nodes_falsenodeids: falseIds.length,
    nodes_hitrates: hitrates.length,
    ...(missing.length ? { nodes_missing_value_tracks_true: missing.length } : {}),
  });

  const classifier = op === 'TreeEnsembleClassifier';
  const p = classifier ? 'class' : 'target';
  const wTree = a.ints(`${p}_treeids`);
  const wNode = a.ints(`${p}_nodeids`);
  const wId = a.ints(`${p}_ids`);
  const wWeight = a.floats(`${p}_weights`);
  checkLengths(where, {
    [`${p}_treeids`]: wTree.length,
    [`${p}_nodeids`]: wNode.length,
    [`${p}_ids`]: wId.length,
    [`${p}_weights`]: wWeight.length,
  });

  let base = a.floats('base_values', false);
  if (classifier) {
    const labels = Math.max(
      a.ints('classlabels_int64s', false).length,
      a.strings('classlabels_strings', false).length,
    );
    // The binary layout of xgboost/LightGBM/sklearn GBDT converters: two labels, every weight on
    // class 0, LOGISTIC. onnxruntime then reports [1 - p, p] with p = sigmoid(margin), so the single
    // margin explained here is the positive class's.
    const binaryOneScore = labels === 2 && wId.every((id) => id === 0);
    b.nTargets = binaryOneScore ? 1 : labels;
    if (binaryOneScore && base.length === 2) {
      throw new Error(`${where}: two base_values with single-score binary weights are not supported`);
    }
    if (b.nTargets === 0) throw new Error(`${where}: no class labels`);
  } else {
    b.nTargets = a.int('n_targets', Math.max(0, ...wId) + 1);
    const agg = a.string('aggregate_function', 'SUM');
    if (agg === 'MIN' || agg === 'MAX') {
      // A min or max of trees is not additive over trees; Shapley values of it are not a sum of
      // per-tree TreeSHAP values, so there is nothing exact to offer.
      throw new Error(`${where}: aggregate_function ${agg} is not supported (not additive over trees)`);
    }
    if (agg === 'AVERAGE') b.treeScale = -1; // set to 1/nTrees once the trees are counted
  }
  base = baseValues(base, b.nTargets, where);
  b.base = base;
  b.postTransform = a.string('post_transform', 'NONE');

  // Group rows by tree id, index node ids within each tree.
  const trees = new Map<number, Map<number, number>>();
  treeIds.forEach((t, i) => {
    let nodes = trees.get(t);
    if (!nodes) trees.set(t, (nodes = new Map<number, number>()));
    if (nodes.has(nodeIds[i]!)) throw new Error(`${where}: tree ${t} has node id ${nodeIds[i]} twice`);
    nodes.set(nodeIds[i]!, i);
  });
  const weightsAt = new Map<number, { target: number; weight: number }[]>();
  wTree.forEach((t, j) => {
    const row = trees.get(t)?.get(wNode[j]!);
    if (row === undefined) throw new Error(`${where}: ${p} weight ${j} names missing node ${t}/${wNode[j]}`);
    if (modes[row] !== 'LEAF') {
      throw new Error(`${where}: ${p} weight ${j} is on a non-leaf node ${t}/${wNode[j]}`);
    }
    const target = wId[j]!;
    if (target < 0 || target >= b.nTargets) {
      throw new Error(`${where}: ${p}_ids has ${target} (out of range)`);
    }
    let list = weightsAt.get(row);
    if (!list) weightsAt.set(row, (list = []));
    list.push({ target, weight: wWeight[j]! });
  });

  for (const [treeId, nodes] of [...trees].sort((x, y) => x[0] - y[0])) {
    // The root is the node no other node points at (ONNX numbers it 0 by convention, not by rule).
    const children = new Set<number>();
    for (const row of nodes.values()) {
      if (modes[row] !== 'LEAF') children.add(trueIds[row]!).add(falseIds[row]!);
    }
    const roots = [...nodes.keys()].filter((id) => !children.has(id));
    if (roots.length !== 1) throw new Error(`${where}: tree ${treeId} has ${roots.length} roots`);
    const visited = new Set<number>();
    const build = (nodeId: number, depth: number): number => {
      const row = nodes.get(nodeId);
      if (row === undefined) throw new Error(`${where}: tree ${treeId} points at missing node ${nodeId}`);
      if (visited.has(nodeId)) throw new Error(`${where}: tree ${treeId} reaches node ${nodeId} twice`);
      visited.add(nodeId);
      const mode = V3_MODES[modes[row]!];
      if (mode === undefined) throw new Error(`${where}: unknown node mode ${modes[row]}`);
      b.maxDepth = Math.max(b.maxDepth, depth);
      const i = b.add(mode, featureIds[row]!, values[row]!, missing[row] === 1, hitrates[row]!);
      if (mode === Mode.LEAF) {
        b.leaves[i] = weightsAt.get(row) ?? [];
      } else {
        b.yes[i] = build(trueIds[row]!, depth + 1);
        b.no[i] = build(falseIds[row]!, depth + 1);
      }
      return i;
    };
    b.roots.push(build(roots[0]!, 0));
  }
  if (b.treeScale === -1) b.treeScale = 1 / b.roots.length;
}

/** TreeEnsemble, ai.onnx.ml opset 5: interior nodes in `nodes_*`, leaves in `leaf_*`. */
function readV5(a: Attrs, model: OnnxModel, b: Builder, where: string): void {
  const featureIds = a.ints('nodes_featureids');
  const splits = a.tensor('nodes_splits');
  const modes = a.tensor('nodes_modes');
  const trueIds = a.ints('nodes_truenodeids');
  const trueLeaf = a.ints('nodes_trueleafs');
  const falseIds = a.ints('nodes_falsenodeids');
  const falseLeaf = a.ints('nodes_falseleafs');
  const missing = a.ints('nodes_missing_value_tracks_true', false);
  const hitrates = a.tensor('nodes_hitrates', false);
  const roots = a.ints('tree_roots');
  const leafTargets = a.ints('leaf_targetids');
  const leafWeights = a.tensor('leaf_weights');
  const membership = a.tensor('membership_values', false);
  checkLengths(where, {
    nodes_featureids: featureIds.length,
    nodes_splits: splits.length,
    nodes_modes: modes.length,
    nodes_truenodeids: trueIds.length,
    nodes_trueleafs: trueLeaf.length,
    nodes_falsenodeids: falseIds.length,
    nodes_falseleafs: falseLeaf.length,
    ...(missing.length ? { nodes_missing_value_tracks_true: missing.length } : {}),
  });
  checkLengths(where, { leaf_targetids: leafTargets.length, leaf_weights: leafWeights.length });

  if (hitrates.length !== splits.length) {
    throw new Error(
      `${where}: nodes_hitrates has ${hitrates.length} entries for ${splits.length} nodes; ` +
        `exact TreeSHAP needs each node's training cover`,
    );
  }
  const leafCoverText = model.metadata.get(LEAF_HITRATES_KEY);
  if (leafCoverText === undefined) {
    throw new Error(
      `${where}: opset 5 stores no cover for leaves; add metadata_props "${LEAF_HITRATES_KEY}" ` +
        `(JSON array of leaf covers in leaf_* order) or export as opset 3 with nodes_hitrates`,
    );
  }
  const leafCovers: unknown = JSON.parse(leafCoverText);
  if (
    !Array.isArray(leafCovers) ||
    leafCovers.length !== leafWeights.length ||
    !leafCovers.every((c) => typeof c === 'number')
  ) {
    throw new Error(`${where}: ${LEAF_HITRATES_KEY} must be ${leafWeights.length} numbers`);
  }
  const covers = leafCovers;

  b.nTargets = a.int('n_targets', Math.max(0, ...leafTargets) + 1);
  b.base = new Array<number>(b.nTargets).fill(0); // opset 5 has no base_values
  const agg = a.int('aggregate_function', 1);
  if (agg === 2 || agg === 3) {
    throw new Error(
      `${where}: aggregate_function ${agg === 2 ? 'MIN' : 'MAX'} is not supported (not additive)`,
    );
  }
  b.treeScale = agg === 0 ? 1 / roots.length : 1;
  b.postTransform =
    ['NONE', 'SOFTMAX', 'LOGISTIC', 'SOFTMAX_ZERO', 'PROBIT'][a.int('post_transform', 0)] ?? '?';

  // membership_values lists each BRANCH_MEMBER node's set in node order, NaN-delimited.
  const sets: Set<number>[] = [];
  let current = new Set<number>();
  for (const v of membership) {
    if (Number.isNaN(v)) {
      sets.push(current);
      current = new Set();
    } else current.add(v);
  }
  if (current.size > 0) sets.push(current);
  const memberSetOf = new Map<number, Set<number>>();
  for (let k = 0, s = 0; k < modes.length; k++) {
    if (modes[k] === Mode.MEMBER) {
      const set = sets[s++];
      if (!set) throw new Error(`${where}: membership_values has fewer sets than BRANCH_MEMBER nodes`);
      memberSetOf.set(k, set);
    }
  }

  const usedNodes = new Set<number>();
  const usedLeaves = new Set<number>();
  const leaf = (l: number, depth: number): number => {
    if (l < 0 || l >= leafWeights.length) throw new Error(`${where}: leaf index ${l} out of range`);
    if (usedLeaves.has(l)) {
      // A shared leaf has one cover for two positions in the tree: the cover ratios are undefined.
      throw new Error(`${where}: leaf ${l} is reached from two places; TreeSHAP needs a tree`);
    }
    usedLeaves.add(l);
    const target = leafTargets[l]!;
    if (target < 0 || target >= b.nTargets) {
      throw new Error(`${where}: leaf_targetids has ${target} (out of range)`);
    }
    b.maxDepth = Math.max(b.maxDepth, depth);
    const i = b.add(Mode.LEAF, 0, 0, false, covers[l]!);
    b.leaves[i] = [{ target, weight: leafWeights[l]! }];
    return i;
  };
  const interior = (k: number, depth: number): number => {
    if (k < 0 || k >= splits.length) throw new Error(`${where}: node index ${k} out of range`);
    if (usedNodes.has(k)) {
      throw new Error(`${where}: node ${k} is reached from two places; TreeSHAP needs a tree`);
    }
    usedNodes.add(k);
    const mode = modes[k]!;
    if (mode > Mode.MEMBER) throw new Error(`${where}: unknown node mode ${mode}`);
    b.maxDepth = Math.max(b.maxDepth, depth);
    const i = b.add(mode, featureIds[k]!, splits[k]!, missing[k] === 1, hitrates[k]!);
    const set = memberSetOf.get(k);
    if (set) b.members.set(i, set);
    b.yes[i] = trueLeaf[k] ? leaf(trueIds[k]!, depth + 1) : interior(trueIds[k]!, depth + 1);
    b.no[i] = falseLeaf[k] ? leaf(falseIds[k]!, depth + 1) : interior(falseIds[k]!, depth + 1);
    return i;
  };
  for (const r of roots) {
    // The spec's idiom for a tree that is one leaf: a node whose two branches name the same leaf.
    if (trueLeaf[r] && falseLeaf[r] && trueIds[r] === falseIds[r]) {
      usedNodes.add(r);
      b.roots.push(leaf(trueIds[r]!, 0));
    } else {
      b.roots.push(interior(r, 0));
    }
  }
}
