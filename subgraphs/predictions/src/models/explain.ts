import type { Explanation } from '@cityassist/inference';
import { errors } from '../errors.ts';
import type { FeatureContribution } from './answer.type.ts';

/** Most contributions one explain field returns. */
export const MAX_TOP = 50;

/** Refuses a `top` out of range before any explanation is computed for it. */
export function assertTop(top: number): void {
  if (!Number.isInteger(top) || top < 1 || top > MAX_TOP) {
    throw errors.BAD_USER_INPUT(`top must be between 1 and ${MAX_TOP}`, { argument: 'top' });
  }
}

/**
 * The `top` contributions of an explanation by absolute size, largest first; none when there is no
 * explanation (a baseline answer has no model to explain). Every model's `explain(top)` field.
 */
export function topContributions(explanation: Explanation | undefined, top: number): FeatureContribution[] {
  assertTop(top);
  if (!explanation) return [];
  return [...explanation.contributions]
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution))
    .slice(0, top);
}
