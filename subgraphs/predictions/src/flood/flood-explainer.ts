import { loadTreeExplainer, type TreeExplainer } from '@cityassist/treeshap';
import DataLoader from 'dataloader';
import type { FeatureContribution, FloodRisk } from './flood-risk.type.ts';

export interface FloodExplanation {
  baseValue: number;
  contributions: FeatureContribution[];
}

/**
 * Exact TreeSHAP read from the served ONNX file itself (packages/treeshap), so an explanation can
 * never describe a different model from the one that produced the number.
 */
export class FloodExplainer {
  private constructor(
    private readonly explainer: TreeExplainer,
    private readonly featureNames: readonly string[],
  ) {}

  static async load(onnxPath: string, featureNames: readonly string[]): Promise<FloodExplainer> {
    const explainer = await loadTreeExplainer(onnxPath);
    if (explainer.nFeatures !== featureNames.length) {
      throw new Error(
        `${onnxPath} reads ${explainer.nFeatures} features, its metadata names ${featureNames.length}`,
      );
    }
    return new FloodExplainer(explainer, featureNames);
  }

  get baseValue(): number {
    return this.explainer.expectedValue[0]!;
  }

  /** Explains many predictions in one pass over the trees. */
  explain(risks: readonly FloodRisk[]): FloodExplanation[] {
    if (risks.length === 0) return [];
    const width = this.featureNames.length;
    const rows = new Float32Array(risks.length * width);
    risks.forEach((r, i) => rows.set(r.inputs, i * width));
    const { values, bias } = this.explainer.explain(rows, risks.length);
    return risks.map((risk, i) => ({
      baseValue: bias[i]!,
      contributions: this.featureNames.map((feature, j) => {
        const v = risk.inputs[j]!;
        return { feature, value: Number.isNaN(v) ? null : v, contribution: values[i]![j]! };
      }),
    }));
  }

  /** Per request: every explain field of the request is one TreeSHAP pass. */
  loader(): DataLoader<FloodRisk, FloodExplanation, string> {
    return new DataLoader((risks) => Promise.resolve(this.explain(risks)), {
      cacheKeyFn: (r) => r.predictionId,
    });
  }
}

/** The `top` contributions by absolute size, largest first. */
export function topContributions(all: readonly FeatureContribution[], top: number): FeatureContribution[] {
  return [...all].sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution)).slice(0, top);
}
