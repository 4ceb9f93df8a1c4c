import { buildFederatedSchema } from '@cityassist/service-kit';
import type { GraphQLSchema } from 'graphql';
import { zoneReference, ZonePredictionsResolver } from './zone/zone.resolver.ts';
import { Zone } from './zone/zone.type.ts';

export function buildPredictionsSchema(): Promise<GraphQLSchema> {
  // Zone is reachable only as an entity (no Query field here), so it is listed explicitly.
  return buildFederatedSchema(
    { resolvers: [ZonePredictionsResolver], orphanedTypes: [Zone] },
    { Zone: zoneReference },
  );
}
