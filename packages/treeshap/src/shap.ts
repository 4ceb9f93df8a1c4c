/**
 * Exact path-dependent TreeSHAP over a flattened ensemble, two ways:
 *
 * - `PathTreeShap`: Lundberg, Erion & Lee (2018), "Consistent Individualized Feature Attribution for
 *   Tree Ensembles", Algorithm 2 (EXTEND / UNWIND / the unwound sum), O(L·D²) per tree and row.
 * - `FastTreeShap`: the idea of Yang (2021), "Fast TreeSHAP", v2: everything that does not depend on
 *   the row is computed once per leaf, leaving O(L·D) per tree and row (derivation below).
 *
 * Both compute the same numbers (the tests hold them to each other and to xgboost). Output layout per
 * row is xgboost's `pred_contribs`: for each target, nFeatures contributions and then the bias, in a
 * flat Float64Array at `[row][target][nFeatures + 1]`. Values are in the margin space, before
 * post_transform.
 */
import { Mode, type Ensemble } from './ensemble.ts';

/** A row: nFeatures values starting at `offset` (NaN = missing). */
export type RowData = Float32Array | Float64Array;

/** Whether the row takes the node's true ("yes") branch; NaN per `Ensemble.missingYes`. */
export function goesYes(e: Ensemble, node: number, x: RowData, offset: number): boolean {
  const v = x[offset + e.feature[node]!]!;
  if (v !== v) return e.missingYes[node] === 1;
  const t = e.threshold[node]!;
  switch (e.mode[node]) {
    case Mode.LEQ:
      return v <= t;
    case Mode.LT:
      return v < t;
    case Mode.GTE:
      return v >= t;
    case Mode.GT:
      return v > t;
    case Mode.EQ:
      return v === t;
    case Mode.NEQ:
      return v !== t;
    default:
      return e.members.get(node)?.has(v) ?? false;
  }
}

/** The leaf a row reaches in the tree rooted at `root`. */
export function leafOf(e: Ensemble, root: number, x: RowData, offset: number): number {
  let n = root;
  while (e.mode[n] !== Mode.LEAF) n = goesYes(e, n, x, offset) ? e.yes[n]! : e.no[n]!;
  return n;
}

/** Raw margins (before post_transform) of one row, one per target. */
export function margins(e: Ensemble, x: RowData, offset: number): Float64Array {
  const out = new Float64Array(e.nTargets);
  for (let t = 0; t < e.roots.length; t++) {
    const leaf = leafOf(e, e.roots[t]!, x, offset);
    for (let j = e.leafStart[leaf]!; j < e.leafStart[leaf + 1]!; j++) {
      out[e.leafTarget[j]!]! += e.leafWeight[j]! * e.treeScale;
    }
  }
  for (let k = 0; k < e.nTargets; k++) out[k]! += e.base[k]!;
  return out;
}

/**
 * E[f(x)] under the path-dependent distribution, per target: for each tree the cover-weighted mean
 * of its leaves (each leaf weighted by the product of child/parent cover ratios down its path), plus
 * base_values. This is the bias of every row; it is what xgboost's `pred_contribs` puts last.
 */
export function expectedValues(e: Ensemble): Float64Array {
  const out = Float64Array.from(e.base);
  const walk = (n: number, p: number): void => {
    if (e.mode[n] === Mode.LEAF) {
      for (let j = e.leafStart[n]!; j < e.leafStart[n + 1]!; j++) {
        out[e.leafTarget[j]!]! += p * e.leafWeight[j]! * e.treeScale;
      }
      return;
    }
    const c = e.cover[n]!;
    walk(e.yes[n]!, (p * e.cover[e.yes[n]!]!) / c);
    walk(e.no[n]!, (p * e.cover[e.no[n]!]!) / c);
  };
  for (const r of e.roots) walk(r, 1);
  return out;
}

export interface ShapAlgorithm {
  /** Adds the contributions of the trees to `out` at `outOffset` (layout [target][nFeatures + 1]). */
  explainRow(x: RowData, offset: number, out: Float64Array, outOffset: number): void;
}

/**
 * Algorithm 2 of Lundberg et al. (2018). The path of unique features m is kept as four parallel
 * typed arrays (feature d, zero fraction z, one fraction o, permutation weight w). Each recursion
 * level works on its own copy of its parent's path, laid out one after the other in the same
 * preallocated buffers (as the reference implementation does), so nothing is allocated per node.
 */
export class PathTreeShap implements ShapAlgorithm {
  private readonly d: Int32Array;
  private readonly z: Float64Array;
  private readonly o: Float64Array;
  private readonly w: Float64Array;
  private readonly stride: number;
  private x: RowData = new Float32Array(0);
  private xOff = 0;
  private out: Float64Array = new Float64Array(0);
  private outOff = 0;

  constructor(
    private readonly e: Ensemble,
    /** Trees to explain (indices into e.roots); all by default. */
    private readonly trees: readonly number[] = Array.from(e.roots.keys()),
  ) {
    // A level at depth k holds at most k + 2 elements (the dummy root element plus one per split).
    const levels = e.maxDepth + 2;
    const size = ((levels + 1) * (levels + 2)) / 2;
    this.d = new Int32Array(size);
    this.z = new Float64Array(size);
    this.o = new Float64Array(size);
    this.w = new Float64Array(size);
    this.stride = e.nFeatures + 1;
  }

  explainRow(x: RowData, offset: number, out: Float64Array, outOffset: number): void {
    this.x = x;
    this.xOff = offset;
    this.out = out;
    this.outOff = outOffset;
    for (const t of this.trees) this.recurse(this.e.roots[t]!, 0, 0, 1, 1, -1);
  }

  /**
   * RECURSE(j, m, p_z, p_o, p_i) of Algorithm 2. `parentOff`/`len` locate the parent's path (len
   * elements); this level's path starts right after it.
   */
  private recurse(node: number, parentOff: number, len: number, pz: number, po: number, pi: number): void {
    const { d, z, o, w, e } = this;
    const off = parentOff + len;
    d.copyWithin(off, parentOff, off);
    z.copyWithin(off, parentOff, off);
    o.copyWithin(off, parentOff, off);
    w.copyWithin(off, parentOff, off);
    this.extend(off, len, pz, po, pi);
    let n = len + 1;

    if (e.mode[node] === Mode.LEAF) {
      // Lines 6–8: every feature on the path gets w · (o − z) · v, w from the unwound path.
      const start = e.leafStart[node]!;
      const end = e.leafStart[node + 1]!;
      for (let i = 1; i < n; i++) {
        const s = this.unwoundSum(off, n, i) * (o[off + i]! - z[off + i]!) * e.treeScale;
        for (let j = start; j < end; j++) {
          this.out[this.outOff + e.leafTarget[j]! * this.stride + d[off + i]!]! += s * e.leafWeight[j]!;
        }
      }
      return;
    }

    const yes = e.yes[node]!;
    const no = e.no[node]!;
    const hotYes = goesYes(e, node, this.x, this.xOff);
    const hot = hotYes ? yes : no;
    const cold = hotYes ? no : yes;
    const feature = e.feature[node]!;
    // Lines 11–14: a feature already on the path is unwound and its fractions carried over, so each
    // feature appears once with the product of all its splits' fractions.
    let iz = 1;
    let io = 1;
    for (let k = 1; k < n; k++) {
      if (d[off + k] === feature) {
        iz = z[off + k]!;
        io = o[off + k]!;
        this.unwind(off, n, k);
        n--;
        break;
      }
    }
    const c = e.cover[node]!;
    this.recurse(hot, off, n, (iz * e.cover[hot]!) / c, io, feature);
    this.recurse(cold, off, n, (iz * e.cover[cold]!) / c, 0, feature);
  }

  /** EXTEND(m, p_z, p_o, p_i): appends an element to a path of `len` and updates the weights. */
  private extend(off: number, len: number, pz: number, po: number, pi: number): void {
    const { d, z, o, w } = this;
    d[off + len] = pi;
    z[off + len] = pz;
    o[off + len] = po;
    w[off + len] = len === 0 ? 1 : 0;
    for (let i = len - 1; i >= 0; i--) {
      w[off + i + 1]! += (po * w[off + i]! * (i + 1)) / (len + 1);
      w[off + i] = (pz * w[off + i]! * (len - i)) / (len + 1);
    }
  }

  /** UNWIND(m, i): removes element i from a path of `n` elements, undoing its EXTEND. */
  private unwind(off: number, n: number, i: number): void {
    const { d, z, o, w } = this;
    const l = n - 1;
    const po = o[off + i]!;
    const pz = z[off + i]!;
    let next = w[off + l]!;
    for (let j = l - 1; j >= 0; j--) {
      if (po !== 0) {
        const tmp = w[off + j]!;
        w[off + j] = (next * (l + 1)) / ((j + 1) * po);
        next = tmp - (w[off + j]! * pz * (l - j)) / (l + 1);
      } else {
        w[off + j] = (w[off + j]! * (l + 1)) / (pz * (l - j));
      }
    }
    for (let j = i; j < l; j++) {
      d[off + j] = d[off + j + 1]!;
      z[off + j] = z[off + j + 1]!;
      o[off + j] = o[off + j + 1]!;
    }
  }

  /** Sum of the weights UNWIND(m, i) would leave, without changing the path (leaf step, line 7). */
  private unwoundSum(off: number, n: number, i: number): number {
    const { z, o, w } = this;
    const l = n - 1;
    const po = o[off + i]!;
    const pz = z[off + i]!;
    let next = w[off + l]!;
    let total = 0;
    for (let j = l - 1; j >= 0; j--) {
      if (po !== 0) {
        const tmp = (next * (l + 1)) / ((j + 1) * po);
        total += tmp;
        next = w[off + j]! - (tmp * pz * (l - j)) / (l + 1);
      } else {
        total += (w[off + j]! * (l + 1)) / (pz * (l - j));
      }
    }
    return total;
  }
}

/**
 * Fast TreeSHAP v2 (Yang 2021, §3.2–3.3), derived here for the path-dependent game.
 *
 * For a leaf L with value v, let P be the D distinct features on its path, z_k the product of the
 * cover ratios of the splits on feature k along the path, and o_k ∈ {0, 1} whether the row follows
 * all of them. The tree's game is a sum of leaf games f_L(S) = v · Π_{k∈S} o_k · Π_{k∈P∖S} z_k, and
 * features off the path are null players, so the Shapley value of i ∈ P for that leaf is
 *
 *   φ_i = Σ_{S⊆P∖{i}} W(|S|, D) · (f_L(S∪{i}) − f_L(S)),   W(s, D) = s!(D−s−1)!/D!.
 *
 * Only S inside O = {k : o_k = 1} contribute, so φ depends on the row through O alone. With
 *
 *   T(O) = Σ_{S⊆O} W(|S|, D) · Π_{k∈P∖S} z_k        (one table of 2^D numbers per leaf),
 *
 * i ∉ O gives φ_i = −v · T(O), and i ∈ O gives φ_i = v · (1 − z_i)/z_i · T(O∖{i}) (covers are
 * positive, so z_i > 0). T is precomputed per leaf: grouping S by size, T(O) = Π_{k∈P∖O} z_k ·
 * Σ_j W(j, D) · e_{|O|−j}(z_O), with e the elementary symmetric polynomials of the z in O.
 *
 * Per row, one depth-first pass over the tree tracks O as a bit mask (bit b = the b-th distinct
 * feature met on the way down, the same for every leaf below that node), and each leaf costs O(D).
 * Trees whose leaves have too many distinct features (tables of 2^D) are left to `PathTreeShap`.
 */
export class FastTreeShap implements ShapAlgorithm {
  /** Bit of the node's feature in the path mask, and whether the feature is new at this node. */
  private readonly bit: Int32Array;
  private readonly isNew: Uint8Array;
  /** Per leaf node: D, and where its path features/ratios and its slots start. */
  private readonly leafDepth: Int32Array;
  private readonly leafPathOff: Int32Array;
  private readonly leafSlotStart: Int32Array;
  /** One slot per (leaf, target) weight: its table, premultiplied by weight · treeScale, and output base. */
  private readonly slotTable: Int32Array;
  private readonly slotOut: Int32Array;
  private readonly pathFeature: Int32Array;
  private readonly pathRatio: Float64Array;
  private readonly table: Float64Array;
  private readonly stackNode: Int32Array;
  private readonly stackMask: Int32Array;
  private readonly roots: Int32Array;

  /** Largest D tabled; 2^12 doubles = 32 KB per leaf. */
  static readonly MAX_LEAF_FEATURES = 12;

  /**
   * Which trees the table method can take: every leaf at most MAX_LEAF_FEATURES distinct features,
   * and all tables together within `budget` numbers (default 2^23, 64 MB).
   */
  static eligibleTrees(e: Ensemble, budget = 1 << 23): { fast: number[]; path: number[] } {
    const fast: number[] = [];
    const path: number[] = [];
    let used = 0;
    e.roots.forEach((root, t) => {
      let size = 0;
      let ok = true;
      const walk = (n: number, feats: number[]): void => {
        if (!ok) return;
        if (e.mode[n] === Mode.LEAF) {
          if (feats.length > FastTreeShap.MAX_LEAF_FEATURES) ok = false;
          size += (1 << feats.length) * (e.leafStart[n + 1]! - e.leafStart[n]!);
          return;
        }
        const f = e.feature[n]!;
        const next = feats.includes(f) ? feats : [...feats, f];
        walk(e.yes[n]!, next);
        walk(e.no[n]!, next);
      };
      walk(root, []);
      if (ok && used + size <= budget) {
        used += size;
        fast.push(t);
      } else path.push(t);
    });
    return { fast, path };
  }

  constructor(
    private readonly e: Ensemble,
    trees: readonly number[],
  ) {
    const n = e.mode.length;
    this.bit = new Int32Array(n);
    this.isNew = new Uint8Array(n);
    this.leafDepth = new Int32Array(n);
    this.leafPathOff = new Int32Array(n);
    this.leafSlotStart = new Int32Array(n + 1);
    this.roots = Int32Array.from(trees, (t) => e.roots[t]!);
    const stride = e.nFeatures + 1;
    const feats: number[] = [];
    const ratios: number[] = [];
    const tables: number[] = [];
    const slotTable: number[] = [];
    const slotOut: number[] = [];
    const slotsOf = new Map<number, number[]>();
    const weight = shapleyWeights(FastTreeShap.MAX_LEAF_FEATURES);

    // pathFeats[b] / pathZ[b]: the b-th distinct feature on the way down and its product of ratios.
    const walk = (node: number, pathFeats: number[], pathZ: number[]): void => {
      if (e.mode[node] === Mode.LEAF) {
        const D = pathFeats.length;
        this.leafDepth[node] = D;
        this.leafPathOff[node] = feats.length;
        for (let k = 0; k < D; k++) {
          feats.push(pathFeats[k]!);
          ratios.push((1 - pathZ[k]!) / pathZ[k]!);
        }
        const slots: number[] = [];
        for (let j = e.leafStart[node]!; j < e.leafStart[node + 1]!; j++) {
          slots.push(slotTable.length);
          slotTable.push(tables.length);
          slotOut.push(e.leafTarget[j]! * stride);
          appendTable(tables, pathZ, weight[D] ?? [], e.leafWeight[j]! * e.treeScale);
        }
        slotsOf.set(node, slots);
        return;
      }
      const f = e.feature[node]!;
      let b = pathFeats.indexOf(f);
      this.isNew[node] = b < 0 ? 1 : 0;
      if (b < 0) b = pathFeats.length;
      this.bit[node] = b;
      const c = e.cover[node]!;
      for (const child of [e.yes[node]!, e.no[node]!]) {
        const f2 = [...pathFeats];
        const z2 = [...pathZ];
        f2[b] = f;
        z2[b] = (z2[b] ?? 1) * (e.cover[child]! / c);
        walk(child, f2, z2);
      }
    };
    for (const r of this.roots) walk(r, [], []);
    // Slots were numbered in visiting order; lay them out by leaf so a leaf's slots are contiguous.
    const order: number[] = [];
    for (let i = 0; i < n; i++) {
      this.leafSlotStart[i] = order.length;
      order.push(...(slotsOf.get(i) ?? []));
    }
    this.leafSlotStart[n] = order.length;
    this.slotTable = Int32Array.from(order, (s) => slotTable[s]!);
    this.slotOut = Int32Array.from(order, (s) => slotOut[s]!);
    this.pathFeature = Int32Array.from(feats);
    this.pathRatio = Float64Array.from(ratios);
    this.table = Float64Array.from(tables);
    this.stackNode = new Int32Array(e.maxDepth + 2);
    this.stackMask = new Int32Array(e.maxDepth + 2);
  }

  explainRow(x: RowData, offset: number, out: Float64Array, outOffset: number): void {
    const { e, stackNode, stackMask, bit, isNew, leafDepth, leafPathOff, leafSlotStart, slotTable, slotOut } =
      this;
    const { pathFeature, pathRatio, table, roots } = this;
    const { mode, feature, threshold, yes, no, missingYes } = e;
    for (let t = 0; t < roots.length; t++) {
      stackNode[0] = roots[t]!;
      stackMask[0] = 0;
      let sp = 1;
      while (sp > 0) {
        sp--;
        const node = stackNode[sp]!;
        const mask = stackMask[sp]!;
        const m = mode[node]!;
        if (m !== Mode.LEAF) {
          // goesYes() inlined: this loop is the per-row cost.
          const v = x[offset + feature[node]!]!;
          let hotYes: boolean;
          if (v !== v) hotYes = missingYes[node] === 1;
          else if (m === Mode.LT) hotYes = v < threshold[node]!;
          else if (m === Mode.LEQ) hotYes = v <= threshold[node]!;
          else hotYes = goesYes(e, node, x, offset);
          const b = 1 << bit[node]!;
          // The hot child keeps (or, for a new feature, sets) the bit; the cold child clears it.
          stackNode[sp] = hotYes ? yes[node]! : no[node]!;
          stackMask[sp++] = isNew[node] === 1 ? mask | b : mask;
          stackNode[sp] = hotYes ? no[node]! : yes[node]!;
          stackMask[sp++] = mask & ~b;
          continue;
        }
        const D = leafDepth[node]!;
        if (D === 0) continue;
        const po = leafPathOff[node]!;
        for (let s = leafSlotStart[node]!; s < leafSlotStart[node + 1]!; s++) {
          const to = slotTable[s]!;
          const base = outOffset + slotOut[s]!;
          const tO = table[to + mask]!;
          for (let k = 0; k < D; k++) {
            const kb = 1 << k;
            out[base + pathFeature[po + k]!]! +=
              (mask & kb) !== 0 ? pathRatio[po + k]! * table[to + (mask ^ kb)]! : -tO;
          }
        }
      }
    }
  }
}

/** W(s, D) = s!(D−s−1)!/D! for D = 1..max, s = 0..D−1 (W[D][s]). */
function shapleyWeights(max: number): number[][] {
  const fact = [1];
  for (let i = 1; i <= max; i++) fact.push(fact[i - 1]! * i);
  const w: number[][] = [[]];
  for (let D = 1; D <= max; D++) {
    const row: number[] = [];
    for (let s = 0; s < D; s++) row.push((fact[s]! * fact[D - s - 1]!) / fact[D]!);
    w.push(row);
  }
  return w;
}

/** Appends T(O) for every O ⊆ P (bit k of O = path feature k), scaled by `scale`. */
function appendTable(out: number[], z: number[], weight: number[], scale: number): void {
  const D = z.length;
  const e = new Float64Array(D + 1);
  for (let O = 0; O < 1 << D; O++) {
    // e_j over the z in O by the usual one-variable-at-a-time recurrence; zOut = Π z outside O.
    e.fill(0);
    e[0] = 1;
    let m = 0;
    let zOut = 1;
    for (let k = 0; k < D; k++) {
      if (O & (1 << k)) {
        m++;
        for (let j = m; j >= 1; j--) e[j]! += e[j - 1]! * z[k]!;
      } else zOut *= z[k]!;
    }
    let sum = 0;
    for (let s = 0; s <= m && s < D; s++) sum += weight[s]! * e[m - s]!;
    out.push(zOut * sum * scale);
  }
}
