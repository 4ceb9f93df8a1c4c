import { buildFederatedSchema } from '@cityassist/service-kit';
import type { GraphQLSchema } from 'graphql';
import { zoneReference } from './zone/zone.reference.ts';
import { ZoneResolver } from './zone/zone.resolver.ts';

export function buildZonesSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema({ resolvers: [ZoneResolver] }, { Zone: zoneReference });
}
