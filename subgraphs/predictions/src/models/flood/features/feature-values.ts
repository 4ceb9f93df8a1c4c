import type { FeatureSpec } from '@cityassist/inference';
import { errors } from '../../../errors.ts';

/** A feature value as clients send it: by name, null for missing. */
export interface NamedValue {
  name: string;
  value: number | null;
}

/**
 * Checks client-sent values against the model's metadata: every name must be one the model reads
 * or another of the stored view's (`stored`: kept for other versions; a champion change must not
 * break a client that pushes a feature the new champion no longer reads), and every value the
 * model reads must lie in the range it was trained on (metadata `min`/`max`). Out-of-range input is
 * refused with MODEL_INPUT_INVALID naming the feature, rather than extrapolated silently.
 */
export function validateFeatureValues(
  specs: readonly FeatureSpec[],
  values: readonly NamedValue[],
  stored: readonly string[] = [],
): Record<string, number | null> {
  const byName = new Map<string, Partial<FeatureSpec>>(specs.map((f) => [f.name, f]));
  for (const name of stored) if (!byName.has(name)) byName.set(name, {});
  const out: Record<string, number | null> = {};
  for (const { name, value } of values) {
    const spec = byName.get(name);
    if (!spec) {
      throw errors.BAD_USER_INPUT(`unknown feature ${name}; known: ${[...byName.keys()].join(', ')}`, {
        argument: 'features',
      });
    }
    if (name in out) throw errors.BAD_USER_INPUT(`feature ${name} is given twice`, { argument: 'features' });
    if (value !== null) {
      const below = spec.min !== undefined && value < spec.min;
      const above = spec.max !== undefined && value > spec.max;
      if (!Number.isFinite(value) || below || above) {
        throw errors.MODEL_INPUT_INVALID(
          `${name}=${value} is outside its valid range [${spec.min}, ${spec.max}]`,
          {
            feature: name,
          },
        );
      }
    }
    out[name] = value;
  }
  return out;
}
