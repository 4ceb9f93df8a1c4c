import type { EventBus } from '@cityassist/events';
import { buildFederatedSchema } from '@cityassist/service-kit';
import type { GraphQLSchema } from 'graphql';
import { DriftResolver } from './drift/drift.resolver.ts';
import { ExperimentResolver } from './experiments/experiment.resolver.ts';
import { EtlResolver } from './features/etl.resolver.ts';
import { models } from './models/index.ts';
import { ModelResolver, ModelVersionResolver } from './registry/model.resolver.ts';
import { RetrainingResolver } from './retraining/retraining.resolver.ts';
import { zoneReference } from './zone/zone.resolver.ts';
import { Zone } from './zone/zone.type.ts';

export function buildPredictionsSchema(pubSub: EventBus['pubSub']): Promise<GraphQLSchema> {
  // Zone is reachable only as an entity and through subscriptions, so it is listed explicitly.
  return buildFederatedSchema(
    {
      resolvers: [
        DriftResolver,
        EtlResolver,
        ExperimentResolver,
        ModelResolver,
        ModelVersionResolver,
        RetrainingResolver,
        ...models.flatMap((m) => m.resolvers),
      ],
      orphanedTypes: [Zone],
      pubSub,
    },
    { Zone: zoneReference },
  );
}
