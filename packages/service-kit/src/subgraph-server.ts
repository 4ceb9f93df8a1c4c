import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { unwrapResolverError } from '@apollo/server/errors';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type RequestHandler } from 'express';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import type { BaseContext } from './context.ts';
import type { ServiceMetrics } from './metrics.ts';
import { useRequestLog } from './plugins/request-log.plugin.ts';
import { mountProbes, type ReadinessCheck } from './probes.ts';
import {
  GATEWAY_SECRET_HEADER,
  gatewaySecretMatches,
  PRINCIPAL_HEADER,
  principalOf,
  requireGateway,
} from './gateway-trust.ts';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';

export interface SubgraphServerOptions<C extends BaseContext> {
  name: string;
  schema: GraphQLSchema;
  host: string;
  port: number;
  logger: Logger;
  metrics: ServiceMetrics;
  /** Named dependency checks behind `/ready`: the database, the models. */
  readiness: Record<string, ReadinessCheck>;
  /** Adds the service's own per-request state (DataLoaders) to the base context. */
  context: (base: BaseContext) => C | Promise<C>;
  plugins?: ApolloServerPlugin<C>[];
  /** Serve GraphQL subscriptions over graphql-ws on the same path (the gateway connects there). */
  subscriptions?: boolean;
  /** Shared secret the gateway sends; unset accepts any caller (development). */
  gatewaySecret?: string | undefined;
  /** Largest request body accepted, in bytes. Default 1 MiB. */
  bodyLimitBytes?: number;
  /**
   * Express handlers run on `/graphql` after the gateway check and before the JSON parser and
   * Apollo, e.g. a multipart upload parser (graphql-upload-minimal). Default none.
   */
  beforeGraphQL?: RequestHandler[];
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export const REQUEST_ID_HEADER = 'x-request-id';
// A request id is echoed into logs, so only accept plain tokens from outside.
const REQUEST_ID_PATTERN = /^[\w.:-]{1,128}$/;

export function requestIdOf(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && REQUEST_ID_PATTERN.test(value) ? value : randomUUID();
}

/**
 * Serves a subgraph with Apollo Server 5 on express 5, beside `/health`, `/ready` and `/metrics`.
 * Errors that are not GraphQLErrors are masked as INTERNAL_SERVER_ERROR and logged, so no stack
 * trace or SQL reaches a client.
 */
export async function startSubgraphServer<C extends BaseContext>(
  options: SubgraphServerOptions<C>,
): Promise<RunningServer> {
  const { logger, metrics } = options;
  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);
  const closers: (() => Promise<void> | void)[] = [];
  const apollo = new ApolloServer<C>({
    schema: options.schema,
    includeStacktraceInErrorResponses: false,
    // onShutdown owns the signals and closes everything in order; Apollo's own handler would race it.
    stopOnTerminationSignals: false,
    // A browser cannot send a custom header cross-site without a CORS preflight, so the gateway's
    // secret header proves a multipart request is no CSRF, as Apollo's own two headers do.
    csrfPrevention: {
      requestHeaders: ['x-apollo-operation-name', 'apollo-require-preflight', GATEWAY_SECRET_HEADER],
    },
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // Inline traces (ftv1) feed Apollo Studio, which this stack does not use.
      ApolloServerPluginInlineTraceDisabled(),
      useRequestLog(metrics),
      ...(options.plugins ?? []),
    ],
    formatError(formatted, error) {
      const original = unwrapResolverError(error);
      if (original instanceof GraphQLError || formatted.extensions?.['code'] !== 'INTERNAL_SERVER_ERROR') {
        return formatted;
      }
      logger.error({ err: original }, 'unexpected resolver error');
      return {
        message: 'Internal server error',
        path: formatted.path,
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      };
    },
  });
  await apollo.start();

  if (options.subscriptions) {
    const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql' });
    const trusted = gatewaySecretMatches(options.gatewaySecret);
    const ws = useServer(
      {
        schema: options.schema,
        // The gateway sends its secret in the connection_init payload (graphql-ws has no headers).
        onConnect: (ctx) => {
          const given = ctx.connectionParams?.[GATEWAY_SECRET_HEADER];
          return trusted(typeof given === 'string' ? given : '');
        },
        context: () => {
          const requestId = randomUUID();
          return options.context({ requestId, logger: logger.child({ requestId, transport: 'ws' }) });
        },
      },
      wsServer,
    );
    closers.push(() => ws.dispose());
  }

  mountProbes(app, { readiness: options.readiness, registry: metrics.registry, logger });
  app.use(
    '/graphql',
    requireGateway(options.gatewaySecret, logger),
    ...(options.beforeGraphQL ?? []),
    express.json({ limit: options.bodyLimitBytes ?? 1024 * 1024 }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const requestId = requestIdOf(req.headers[REQUEST_ID_HEADER]);
        res.setHeader(REQUEST_ID_HEADER, requestId);
        const principal = principalOf(req.headers[PRINCIPAL_HEADER]);
        return options.context({
          requestId,
          principal,
          logger: logger.child({ requestId, ...(principal ? { principal: principal.id } : {}) }),
        });
      },
    }),
  );

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port, options.host, resolve);
  });
  const { port } = httpServer.address() as AddressInfo;
  const url = `http://${options.host}:${port}/graphql`;
  logger.info({ url }, `${options.name} subgraph listening`);
  return {
    url,
    port,
    async close() {
      for (const close of closers) await close();
      await apollo.stop();
    },
  };
}
