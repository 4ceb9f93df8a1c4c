import type { ExplainerPool } from '@cityassist/treeshap';
import type { FeatureContribution } from '../flood/flood-risk.type.ts';
import type { PredictionCache } from '../flood/prediction-cache.ts';

/** One prediction's explanation: the contributions start from baseValue and add up to the margin. */
export interface Explanation {
  baseValue: number;
  contributions: FeatureContribution[];
}

/** An explanation as cached: the bias and one contribution per feature, in the model's order. */
export interface CachedExplanation {
  b: number;
  v: number[];
}

/**
 * Exact TreeSHAP of each item's input row for one target, read from the cache by the item's id
 * where present; the rest go to the explainer's worker threads in one pass and into the cache.
 */
export async function explainCached(
  items: readonly { id: string; inputs: Float32Array }[],
  opts: {
    featureNames: readonly string[];
    explainer: ExplainerPool;
    cache?: PredictionCache<CachedExplanation> | undefined;
    target?: number;
  },
): Promise<Explanation[]> {
  if (items.length === 0) return [];
  const names = opts.featureNames;
  const width = names.length;
  const ids = items.map((i) => i.id);
  const found = opts.cache ? await opts.cache.getMany(ids) : new Map<string, CachedExplanation>();
  const misses = ids.flatMap((id, i) => (found.has(id) ? [] : [i]));
  if (misses.length > 0) {
    const rows = new Float32Array(misses.length * width);
    misses.forEach((i, k) => rows.set(items[i]!.inputs, k * width));
    const { values, bias } = await opts.explainer.explain(rows, misses.length, opts.target ?? 0);
    const fresh = misses.map((i, k): [string, CachedExplanation] => [
      ids[i]!,
      { b: bias[k]!, v: values[k]! },
    ]);
    for (const [id, e] of fresh) found.set(id, e);
    await opts.cache?.setMany(fresh);
  }
  return items.map((item, i) => {
    const e = found.get(ids[i]!)!;
    return {
      baseValue: e.b,
      contributions: names.map((feature, j) => {
        const v = item.inputs[j]!;
        return { feature, value: Number.isNaN(v) ? null : v, contribution: e.v[j]! };
      }),
    };
  });
}
