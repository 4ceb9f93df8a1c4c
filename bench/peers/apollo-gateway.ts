/**
 * The peer most Node users would put in front of our subgraphs: `@apollo/gateway` in an Apollo
 * Server, on our composed supergraph, sending the gateway secret the subgraphs require (and no
 * principal: an anonymous caller, as the bench's queries are). Nothing else: no limits, no auth,
 * no cache, which is what it is measured for.
 *
 *   tsx bench/peers/apollo-gateway.ts --port 4100 --subgraph zones=http://127.0.0.1:4001/graphql ...
 *
 * GATEWAY_SECRET comes from the environment. Prints "ready <port>" once it listens.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { GATEWAY_SECRET_HEADER } from '@cityassist/service-kit';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    subgraph: { type: 'string', multiple: true, default: [] },
    supergraph: {
      type: 'string',
      default: path.resolve(import.meta.dirname, '../../schema/supergraph.graphql'),
    },
  },
});
const urls = Object.fromEntries(values.subgraph.map((s) => s.split('=', 2) as [string, string]));
const secret = process.env['GATEWAY_SECRET'] ?? '';

// @apollo/gateway refuses a supergraph whose links are `for: SECURITY` it does not implement
// (requiresScopes is enforced by routers, and by our gateway's useAuth); the bench's queries read
// only public fields, so the peer keeps the directives as plain metadata.
const supergraphSdl = (await readFile(values.supergraph, 'utf8')).replaceAll(', for: SECURITY)', ')');
const gateway = new ApolloGateway({
  supergraphSdl,
  buildService: ({ name, url }) =>
    new RemoteGraphQLDataSource({
      url: urls[name] ?? url,
      willSendRequest({ request }) {
        request.http?.headers.set(GATEWAY_SECRET_HEADER, secret);
      },
    }),
});
const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, {
  listen: { host: '127.0.0.1', port: Number(values.port) },
});
console.log(`ready ${new URL(url).port}`);
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void server.stop());
