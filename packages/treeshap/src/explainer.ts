import { readFile } from 'node:fs/promises';
import { ensembleFromOnnx, Mode, type Ensemble } from './ensemble.ts';
import { readOnnxModel } from './onnx.ts';
import {
  expectedValues,
  FastTreeShap,
  margins,
  PathTreeShap,
  type RowData,
  type ShapAlgorithm,
} from './shap.ts';

/** Rows to explain: a flat row-major typed array (NaN = missing), or arrays (null/NaN = missing). */
export type Rows = Float32Array | Float64Array | readonly (readonly (number | null)[])[];

export interface Explanation {
  /** [row][feature] contributions in margin space. */
  values: number[][];
  /** Per row: the expected value (the same for every row), so that sum(values[r]) + bias[r] = margin. */
  bias: number[];
}

export interface ExplainerOptions {
  /**
   * `fast`: Fast TreeSHAP v2 tables where they fit, Algorithm 2 elsewhere. `path`: Algorithm 2 for
   * every tree (the paper's algorithm as written; for checks). Default `fast`.
   */
  algorithm?: 'fast' | 'path';
}

/** Exact path-dependent TreeSHAP for the tree ensemble of one ONNX model. */
export class TreeExplainer {
  /** Input columns the model reads. */
  readonly nFeatures: number;
  /** Margins the model produces: 1 for regressors and binary classifiers, else one per class/target. */
  readonly nTargets: number;
  /** E[f(x)] per target in margin space (cover-weighted tree means plus base_values): every row's bias. */
  readonly expectedValue: readonly number[];
  /** The ONNX operator and ai.onnx.ml opset the ensemble was read from. */
  readonly source: { op: string; opset: number; trees: number; postTransform: string };
  private readonly algorithms: ShapAlgorithm[];
  private readonly bias: Float64Array;
  private readonly algorithm: 'fast' | 'path';
  /** For each target, the trees whose leaves write it (a tree writing several is in each). */
  private readonly treesOf: number[][];
  /** Algorithms over the trees of a set of targets, built when a set is first asked for. */
  private readonly bySubset = new Map<string, ShapAlgorithm[]>();

  constructor(
    readonly ensemble: Ensemble,
    options: ExplainerOptions = {},
  ) {
    this.nFeatures = ensemble.nFeatures;
    this.nTargets = ensemble.nTargets;
    this.bias = expectedValues(ensemble);
    this.expectedValue = Array.from(this.bias);
    this.source = {
      op: ensemble.op,
      opset: ensemble.opset,
      trees: ensemble.roots.length,
      postTransform: ensemble.postTransform,
    };
    this.algorithm = options.algorithm ?? 'fast';
    this.treesOf = treesByTarget(ensemble);
    this.algorithms = this.algorithmsOver(Array.from(ensemble.roots.keys()));
  }

  private algorithmsOver(trees: readonly number[]): ShapAlgorithm[] {
    if (this.algorithm === 'path') return trees.length ? [new PathTreeShap(this.ensemble, trees)] : [];
    const { fast, path } = FastTreeShap.eligibleTrees(this.ensemble);
    const keep = new Set(trees);
    const f = fast.filter((t) => keep.has(t));
    const p = path.filter((t) => keep.has(t));
    return [
      ...(f.length ? [new FastTreeShap(this.ensemble, f)] : []),
      ...(p.length ? [new PathTreeShap(this.ensemble, p)] : []),
    ];
  }

  /**
   * The algorithms for some targets: only the trees that write them. AQI's 24 horizons are 24
   * groups of trees; explaining the first walked all of them before.
   */
  private algorithmsFor(targets: readonly number[] | undefined): ShapAlgorithm[] {
    if (!targets || this.nTargets === 1) return this.algorithms;
    for (const t of targets) {
      if (!Number.isInteger(t) || t < 0 || t >= this.nTargets) {
        throw new RangeError(`target ${t} of ${this.nTargets}`);
      }
    }
    const key = [...new Set(targets)].sort((x, y) => x - y).join(',');
    let algorithms = this.bySubset.get(key);
    if (!algorithms) {
      const trees = new Set(key.split(',').flatMap((t) => this.treesOf[Number(t)]!));
      algorithms =
        trees.size === this.ensemble.roots.length
          ? this.algorithms
          : this.algorithmsOver([...trees].sort((x, y) => x - y));
      this.bySubset.set(key, algorithms);
    }
    return algorithms;
  }

  /** Raw margin of one row, per target (before post_transform): what the explanations add up to. */
  margin(row: Rows | readonly (number | null)[]): number[] {
    const x = this.toMatrix(isFlatRow(row) ? [row] : row, 1);
    return Array.from(margins(this.ensemble, x, 0));
  }

  /**
   * Explains `nRows` rows (default: all) for one target (default 0, the only one of a regressor or
   * binary classifier).
   */
  explain(rows: Rows, nRows?: number, target = 0): Explanation {
    if (target < 0 || target >= this.nTargets) throw new RangeError(`target ${target} of ${this.nTargets}`);
    const { flat, n } = this.explainFlat(rows, nRows, undefined, [target]);
    return sliceTarget(flat, n, this.nFeatures, this.nTargets, target);
  }

  /** Explanations for every target, in target order. */
  explainAll(rows: Rows, nRows?: number): Explanation[] {
    const { flat, n } = this.explainFlat(rows, nRows);
    const F = this.nFeatures;
    return Array.from({ length: this.nTargets }, (_, t) => sliceTarget(flat, n, F, this.nTargets, t));
  }

  /**
   * The allocation-light form: a Float64Array laid out like xgboost's `pred_contribs`,
   * [row][target][nFeatures + 1] with the bias last. Pass `out` to reuse a buffer. With `targets`,
   * only the trees of those targets are walked: their slots are exact, the others' contributions
   * are left 0 (every bias is still filled in).
   */
  explainFlat(
    rows: Rows,
    nRows?: number,
    out?: Float64Array,
    targets?: readonly number[],
  ): { flat: Float64Array; n: number } {
    const algorithms = this.algorithmsFor(targets);
    const n = nRows ?? rowCount(rows, this.nFeatures);
    const x = this.toMatrix(rows, n);
    const F = this.nFeatures;
    const width = this.nTargets * (F + 1);
    const flat = out && out.length >= n * width ? out : new Float64Array(n * width);
    flat.fill(0, 0, n * width);
    for (let r = 0; r < n; r++) {
      const o = r * width;
      for (const a of algorithms) a.explainRow(x, r * F, flat, o);
      for (let t = 0; t < this.nTargets; t++) flat[o + t * (F + 1) + F] = this.bias[t]!;
    }
    return { flat, n };
  }

  /**
   * Rows as the typed array the model reads: float32 unless the model's input is double, because
   * onnxruntime (and xgboost) compare the float32 value with the float32 threshold, and rounding
   * first is what makes ties land on the same side.
   */
  private toMatrix(rows: Rows, n: number): RowData {
    const F = this.nFeatures;
    const want = this.ensemble.doubleInput ? Float64Array : Float32Array;
    if (rows instanceof Float32Array || rows instanceof Float64Array) {
      if (rows.length < n * F) {
        throw new RangeError(
          `expected ${n} rows of ${F} features (${n * F} values), got ${rows.length} values`,
        );
      }
      return rows instanceof want ? rows : want.from(rows.subarray(0, n * F));
    }
    if (rows.length < n) throw new RangeError(`expected ${n} rows, got ${rows.length}`);
    const x = new want(n * F);
    for (let r = 0; r < n; r++) {
      const row = rows[r]!;
      if (row.length !== F) throw new RangeError(`row ${r} has ${row.length} values; the model reads ${F}`);
      for (let f = 0; f < F; f++) {
        const v = row[f];
        if (v === null || v === undefined) x[r * F + f] = Number.NaN;
        else if (typeof v !== 'number') throw new TypeError(`row ${r}, feature ${f}: not a number`);
        else x[r * F + f] = v;
      }
    }
    return x;
  }
}

/** One target's explanation out of the flat [row][target][nFeatures + 1] layout. */
export function sliceTarget(
  flat: Float64Array,
  n: number,
  F: number,
  nTargets: number,
  target: number,
): Explanation {
  const width = nTargets * (F + 1);
  const values: number[][] = [];
  const bias: number[] = [];
  for (let r = 0; r < n; r++) {
    const o = r * width + target * (F + 1);
    values.push(Array.from(flat.subarray(o, o + F)));
    bias.push(flat[o + F]!);
  }
  return { values, bias };
}

function treesByTarget(e: Ensemble): number[][] {
  const out: number[][] = Array.from({ length: e.nTargets }, () => []);
  e.roots.forEach((root, t) => {
    const targets = new Set<number>();
    const stack = [root];
    while (stack.length) {
      const n = stack.pop()!;
      if (e.mode[n] === Mode.LEAF) {
        for (let k = e.leafStart[n]!; k < e.leafStart[n + 1]!; k++) targets.add(e.leafTarget[k]!);
      } else stack.push(e.yes[n]!, e.no[n]!);
    }
    for (const k of targets) out[k]!.push(t);
  });
  return out;
}

function isFlatRow(row: Rows | readonly (number | null)[]): row is readonly (number | null)[] {
  return Array.isArray(row) && (row.length === 0 || !Array.isArray(row[0]));
}

function rowCount(rows: Rows, nFeatures: number): number {
  if (rows instanceof Float32Array || rows instanceof Float64Array) {
    if (rows.length % nFeatures !== 0) {
      throw new RangeError(`${rows.length} values is not a whole number of rows of ${nFeatures} features`);
    }
    return rows.length / nFeatures;
  }
  return rows.length;
}

/**
 * Reads an ONNX file (path or bytes) and prepares the explainer: parsing, flattening and the Fast
 * TreeSHAP tables happen here, once, so `explain` only walks the trees.
 */
export async function loadTreeExplainer(
  model: string | Uint8Array,
  options: ExplainerOptions = {},
): Promise<TreeExplainer> {
  const bytes = typeof model === 'string' ? await readFile(model) : model;
  return new TreeExplainer(ensembleFromOnnx(readOnnxModel(bytes)), options);
}
