import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type RequestHandler } from 'express';
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import type { BaseContext } from './context.ts';
import { drainHttpServer, trackWsOperations } from './drain.ts';
import { commonErrors, unavailableDependencyOf } from './errors.ts';
import type { ServiceMetrics } from './metrics.ts';
import { OutageLog } from './outage-log.ts';
import { shutdownDelayMs } from './shutdown.ts';
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
  /** Optional dependencies away right now (Redis), shown as `degraded` by a `/ready` that stays 200. */
  degraded?: () => string[];
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
  /**
   * Milliseconds between `/ready` turning 503 and the listener closing, when the server stops
   * (SHUTDOWN_DELAY_MS). Default: SHUTDOWN_DELAY_MS from the environment, else 0.
   */
  shutdownDelayMs?: number;
  /** Longest wait for in-flight requests when the server stops. Default 20 s (DRAIN_TIMEOUT_MS). */
  drainTimeoutMs?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  /**
   * Drains and stops the server, once however often it is called: `/ready` answers 503 at once,
   * after the shutdown delay no new connection is accepted, in-flight requests and graphql-ws
   * queries finish (each keep-alive connection closed after its current response), WebSockets are
   * closed with 1001, then Apollo stops.
   */
  close(): Promise<void>;
}

/**
 * Gives the errors of an unavailable dependency their code before anything counts or logs them
 * (the request log, errors_total); formatError then writes what the client sees.
 */
const markUnavailable: ApolloServerPlugin<BaseContext> = {
  requestDidStart: () =>
    Promise.resolve({
      didEncounterErrors: ({ errors }) => {
        for (const error of errors) {
          if (!unavailableDependencyOf(error)) continue;
          Object.assign(error.extensions, { code: 'SERVICE_UNAVAILABLE', retryable: true });
        }
        return Promise.resolve();
      },
    }),
};

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
 * trace or SQL reaches a client. An error that says a dependency is unavailable (the database is
 * down: see unavailableDependencyOf) answers SERVICE_UNAVAILABLE with `retryable: true`, logged
 * at warn once per burst of them rather than per request.
 */
export async function startSubgraphServer<C extends BaseContext>(
  options: SubgraphServerOptions<C>,
): Promise<RunningServer> {
  const { logger, metrics } = options;
  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);
  const drain = drainHttpServer(httpServer, {
    delayMs: options.shutdownDelayMs ?? shutdownDelayMs(),
    ...(options.drainTimeoutMs !== undefined ? { timeoutMs: options.drainTimeoutMs } : {}),
    logger,
  });
  const outages = new OutageLog(logger);
  /** What a client sees of an error that says a dependency is down; undefined for any other. */
  const unavailableAnswer = (
    error: unknown,
    path = error instanceof GraphQLError ? error.path : undefined,
  ): GraphQLFormattedError | undefined => {
    const dependency = unavailableDependencyOf(error);
    if (!dependency) return undefined;
    outages.record(dependency, unwrapResolverError(error));
    return {
      message: commonErrors.SERVICE_UNAVAILABLE.message,
      ...(path ? { path } : {}),
      extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true },
    };
  };
  const closers: (() => Promise<void> | void)[] = [];
  const waitFor: ((signal: AbortSignal) => Promise<unknown>)[] = [];
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
    // The HTTP server is drained by drainHttpServer before Apollo stops (see close below).
    plugins: [
      // Inline traces (ftv1) feed Apollo Studio, which this stack does not use.
      ApolloServerPluginInlineTraceDisabled(),
      markUnavailable,
      useRequestLog(metrics),
      ...(options.plugins ?? []),
    ],
    formatError(formatted, error) {
      const unavailable = unavailableAnswer(error, formatted.path);
      if (unavailable) return unavailable;
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
    const operations = trackWsOperations(wsServer);
    waitFor.push((signal) => operations.idle(signal));
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
        // Over graphql-ws too, a dependency that is down answers SERVICE_UNAVAILABLE, retryable
        // (these errors skip Apollo's formatError).
        onNext: (_ctx, _id, _payload, _args, result) =>
          result.errors?.some((e) => unavailableDependencyOf(e))
            ? { ...result, errors: result.errors.map((e) => unavailableAnswer(e) ?? e.toJSON()) }
            : undefined,
        onError: (_ctx, _id, _payload, errors) =>
          errors.some((e) => unavailableDependencyOf(e))
            ? errors.map((e) => unavailableAnswer(e) ?? e.toJSON())
            : undefined,
      },
      wsServer,
    );
    // Closes every socket with 1001 (Going Away): the gateway resubscribes, to another replica.
    closers.push(() => ws.dispose());
  }

  mountProbes(app, {
    readiness: options.readiness,
    registry: metrics.registry,
    logger,
    draining: () => drain.draining,
    ...(options.degraded ? { degraded: options.degraded } : {}),
  });
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
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    close() {
      closing ??= (async () => {
        await drain.close({
          waitFor,
          afterRequests: async () => {
            for (const close of closers) await close();
          },
        });
        await apollo.stop();
        outages.flush();
      })();
      return closing;
    },
  };
}
