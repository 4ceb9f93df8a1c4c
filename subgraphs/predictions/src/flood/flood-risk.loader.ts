import DataLoader from 'dataloader';
import type { GraphQLError } from 'graphql';
import { errors } from '../errors.ts';
import type { FeatureStore } from '../features/feature-store.ts';
import type { FloodModel } from './flood-model.ts';
import type { FloodRisk } from './flood-risk.type.ts';

/**
 * Per request: every zone's floodRisk in the request becomes one feature-store query and one model
 * call. The batch returns exactly one entry per key; a zone without features gets its own error,
 * and a failed model call gives every key the same error rather than a silent wrong number.
 */
export function createFloodRiskLoader(
  store: FeatureStore,
  model: FloodModel,
  at?: Date,
): DataLoader<string, FloodRisk> {
  return new DataLoader<string, FloodRisk>(async (zoneIds) => {
    const features = await store.latest(zoneIds, at);
    const present = zoneIds.flatMap((id) => features.get(id) ?? []);
    let scored: FloodRisk[];
    try {
      scored = await model.score(present);
    } catch (err) {
      const failure = errors.PREDICTION_UNAVAILABLE(`flood model ${model.onnx.version} failed`, {
        cause: err instanceof Error ? err.message : String(err),
      });
      return zoneIds.map(() => failure);
    }
    const byZone = new Map(present.map((f, i) => [f.zoneId, scored[i]!]));
    return zoneIds.map(
      (id): FloodRisk | GraphQLError =>
        byZone.get(id) ?? errors.FEATURES_UNAVAILABLE(`no flood features for zone ${id}`, { zoneId: id }),
    );
  });
}
