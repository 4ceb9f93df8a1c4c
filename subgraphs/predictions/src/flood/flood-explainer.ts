import type { Explanation } from '../explain/cached-explanations.ts';
import type { FeatureContribution } from './flood-risk.type.ts';

/**
 * An exact TreeSHAP explanation of one flood prediction, read from the served ONNX file itself
 * (packages/treeshap), so an explanation can never describe a different model from the one that
 * produced the number.
 */
export type FloodExplanation = Explanation;

/** The `top` contributions by absolute size, largest first. */
export function topContributions(all: readonly FeatureContribution[], top: number): FeatureContribution[] {
  return [...all].sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution)).slice(0, top);
}
