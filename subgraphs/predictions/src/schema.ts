import type { EventBus } from '@cityassist/events';
import { buildFederatedSchema } from '@cityassist/service-kit';
import type { GraphQLSchema } from 'graphql';
import { FloodAlertResolver } from './alerts/flood-alert.resolver.ts';
import { FloodLevelResolver } from './alerts/flood-level.resolver.ts';
import { AqiForecastResolver } from './aqi/aqi-forecast.resolver.ts';
import { SensorReadingResolver } from './aqi/sensor-reading.resolver.ts';
import { DriftResolver } from './drift/drift.resolver.ts';
import { ExperimentResolver } from './experiments/experiment.resolver.ts';
import { FeatureResolver, FloodPredictionResolver } from './features/feature.resolver.ts';
import { FloodRiskResolver } from './flood/flood-risk.resolver.ts';
import { ModelResolver, ModelVersionResolver } from './registry/model.resolver.ts';
import { zoneReference, ZonePredictionsResolver } from './zone/zone.resolver.ts';
import { Zone } from './zone/zone.type.ts';

export function buildPredictionsSchema(pubSub: EventBus['pubSub']): Promise<GraphQLSchema> {
  // Zone is reachable only as an entity and through subscriptions, so it is listed explicitly.
  return buildFederatedSchema(
    {
      resolvers: [
        ZonePredictionsResolver,
        FloodRiskResolver,
        FeatureResolver,
        FloodPredictionResolver,
        FloodAlertResolver,
        FloodLevelResolver,
        DriftResolver,
        ExperimentResolver,
        ModelResolver,
        ModelVersionResolver,
        AqiForecastResolver,
        SensorReadingResolver,
      ],
      orphanedTypes: [Zone],
      pubSub,
    },
    { Zone: zoneReference },
  );
}
