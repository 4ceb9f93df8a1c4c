import DataLoader from 'dataloader';
import type { GraphQLError } from 'graphql';
import { errors } from '../../errors.ts';
import type { Answer, ModelRouter } from '@cityassist/inference';
import type { FeatureStore, ZoneFeatures } from './features/feature-store.ts';
import type { FloodAnswer, FloodRisk } from './flood-risk.type.ts';

/**
 * Per request: every zone's floodRisk in the request becomes one feature-store query and one
 * scoring pass (which the router and the batcher turn into as few model calls as they can).
 * `batching: false` loads zone by zone — one model call each — for benchmarks and debugging.
 * A zone without features gets its own error; a model failure comes back as degraded answers.
 */
export function createFloodRiskLoader(
  store: FeatureStore,
  router: ModelRouter<ZoneFeatures, FloodAnswer>,
  opts: { at?: Date | undefined; requestId: string; batching: boolean },
): DataLoader<string, FloodRisk> {
  return new DataLoader<string, FloodRisk>(
    async (zoneIds) => {
      const features = await store.latest(zoneIds, opts.at);
      const present = zoneIds.flatMap((id) => features.get(id) ?? []);
      const scored = await scoreZones(router, present, { requestId: opts.requestId });
      const byZone = new Map(present.map((f, i) => [f.zoneId, scored[i]!]));
      return zoneIds.map(
        (id): FloodRisk | GraphQLError =>
          byZone.get(id) ?? errors.FEATURES_UNAVAILABLE(`no flood features for zone ${id}`, { zoneId: id }),
      );
    },
    opts.batching ? {} : { maxBatchSize: 1 },
  );
}

/** Scores zones' feature rows and makes each answer the GraphQL FloodRisk. */
export async function scoreZones(
  router: ModelRouter<ZoneFeatures, FloodAnswer>,
  rows: readonly ZoneFeatures[],
  route: { requestId?: string | undefined } = {},
): Promise<FloodRisk[]> {
  const answers = await router.score(rows, route);
  return answers.map((a, i) => riskOf(a, rows[i]!));
}

function riskOf(answer: Answer<FloodAnswer>, row: ZoneFeatures): FloodRisk {
  return {
    predictionId: answer.id,
    score: answer.output.probability,
    probability: answer.output.probability,
    degraded: answer.degraded,
    level: answer.output.level,
    asOf: answer.output.asOf,
    model: { name: 'flood', version: answer.version },
    zoneId: row.zoneId,
    features: row,
    answer,
    fallback: answer.fallback,
  };
}
