import 'reflect-metadata';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { parse, type GraphQLSchema } from 'graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { buildSchema, createResolversMap, type BuildSchemaOptions } from 'type-graphql';

type ReferenceResolvers = Record<string, { __resolveReference: (ref: never, ctx: never) => unknown }>;

/**
 * Builds a Federation 2 subgraph schema from type-graphql classes: type-graphql prints the SDL
 * with its @key/@shareable directives, then @apollo/subgraph adds `_service` and `_entities`.
 */
export async function buildFederatedSchema(
  options: Omit<BuildSchemaOptions, 'skipCheck'>,
  referenceResolvers: ReferenceResolvers = {},
): Promise<GraphQLSchema> {
  // One DateTime scalar (RFC 3339, graphql-scalars) in every subgraph, so they compose as one type.
  const schema = await buildSchema({
    scalarsMap: [{ type: Date, scalar: GraphQLDateTime }],
    ...options,
    skipCheck: true,
    validate: false,
  });
  const typeDefs = parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@shareable", "@external", "@requires", "@provides", "@authenticated", "@requiresScopes", "@cost", "@listSize"])
    ${printSchemaWithDirectives(schema)}
  `);
  const resolvers = createResolversMap(schema) as Record<string, Record<string, unknown>>;
  for (const [type, ref] of Object.entries(referenceResolvers)) {
    resolvers[type] = { ...resolvers[type], ...ref };
  }
  return buildSubgraphSchema({ typeDefs, resolvers: resolvers as never });
}
