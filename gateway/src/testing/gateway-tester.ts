/**
 * An in-process gateway for plugin tests: a Hive Gateway runtime on a supergraph composed from small
 * SDL subgraphs, whose subgraph requests are answered by graphql-js in the same process. Nothing
 * listens on a port; a test sends requests with `tester.fetch` as a client would.
 *
 * Hive's own `createGatewayTester` (@graphql-hive/gateway-testing) does the same, but that package
 * is not published to the npm registry these machines reach, so this is the small part of it we use.
 */
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import {
  createGatewayRuntime,
  useCustomFetch,
  type GatewayConfigSupergraph,
  type GatewayPlugin,
  type GatewayRuntime,
} from '@graphql-hive/gateway-runtime';
import { composeServices } from '@theguild/federation-composition';
import { execute, parse, subscribe, type GraphQLSchema } from 'graphql';

export interface TestSubgraph {
  name: string;
  typeDefs: string;
  resolvers?: GraphQLResolverMap<unknown>;
  /** Answers every request itself (an outage, a slow subgraph); `undefined` lets graphql-js answer. */
  intercept?: (request: Request) => Promise<Response | undefined> | Response | undefined;
}

export interface GatewayTester extends AsyncDisposable {
  runtime: GatewayRuntime;
  /** A client's request to the gateway, e.g. `tester.fetch('/graphql', { method: 'POST', … })`. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** POSTs a GraphQL document (or `{documentId}`) to /graphql and reads the JSON answer. */
  graphql(
    body: { query?: string; documentId?: string; variables?: Record<string, unknown> },
    headers?: Record<string, string>,
    // Tests read the answer's shape with their own assertions.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
  ): Promise<{ status: number; headers: Headers; body: any }>;
  /** Every request the subgraphs received, in order: subgraph name, headers, body. */
  upstream: { subgraph: string; headers: Headers; body: { query: string; variables?: unknown } }[];
}

let testers = 0;

type PluginContext = Parameters<NonNullable<GatewayConfigSupergraph['plugins']>>[0];

const FEDERATION_LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@shareable", "@authenticated", "@requiresScopes", "@cost", "@listSize"])`;

export function createGatewayTester(
  options: {
    subgraphs: TestSubgraph[];
    plugins?: (ctx: PluginContext) => GatewayPlugin[];
  } & Omit<GatewayConfigSupergraph, 'supergraph' | 'plugins'>,
): GatewayTester {
  const { subgraphs, plugins, ...runtimeOptions } = options;
  // The runtime merges identical in-flight subgraph requests process-wide, by URL and body: each
  // tester gets hosts of its own, so one test's hung request is never another test's answer.
  const host = `t${(testers += 1)}.test`;
  const schemas = new Map<string, { schema: GraphQLSchema; spec: TestSubgraph }>();
  const services = subgraphs.map((spec) => {
    const typeDefs = parse(`${FEDERATION_LINK}\n${spec.typeDefs}`);
    schemas.set(spec.name, {
      schema: buildSubgraphSchema({ typeDefs, resolvers: spec.resolvers ?? {} }),
      spec,
    });
    return { name: spec.name, typeDefs, url: `http://${spec.name}.${host}/graphql` };
  });
  const composed = composeServices(services);
  if (composed.errors?.length || !composed.supergraphSdl) {
    throw new Error(`composition failed: ${(composed.errors ?? []).map((e) => e.message).join('; ')}`);
  }
  const supergraph = composed.supergraphSdl;
  const upstream: GatewayTester['upstream'] = [];

  const answer = async (url: string, init?: RequestInit): Promise<Response> => {
    const request = new Request(url, init);
    const name = new URL(request.url).hostname.split('.')[0]!;
    const target = schemas.get(name);
    if (!target) throw new TypeError(`fetch failed: no subgraph at ${url}`);
    const body = (await request.clone().json()) as {
      query: string;
      variables?: Record<string, unknown>;
      operationName?: string;
    };
    upstream.push({ subgraph: name, headers: request.headers, body });
    const intercepted = await target.spec.intercept?.(request);
    if (intercepted) return intercepted;
    const document = parse(body.query);
    const args = {
      schema: target.schema,
      document,
      variableValues: body.variables ?? {},
      operationName: body.operationName ?? null,
      contextValue: { headers: request.headers },
    };
    const isSubscription = body.query.trimStart().startsWith('subscription');
    const result = isSubscription ? await subscribe(args) : await execute(args);
    return Response.json(result);
  };

  const runtime = createGatewayRuntime({
    logging: false,
    ...runtimeOptions,
    supergraph,
    plugins: (ctx) => [useCustomFetch(answer as never), ...(plugins?.(ctx) ?? [])],
  });

  const tester: GatewayTester = {
    runtime,
    upstream,
    fetch: (path, init) => Promise.resolve(runtime.fetch(`http://gateway.test${path}`, init)),
    async graphql(body, headers = {}) {
      const res = await tester.fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = text;
      }
      return { status: res.status, headers: res.headers, body: json };
    },
    async [Symbol.asyncDispose]() {
      await runtime.dispose();
    },
  };
  return tester;
}
