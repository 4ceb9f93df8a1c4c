import type { IncomingMessage, Server } from 'node:http';
import { getGraphQLWSOptions, type GatewayRuntime } from '@graphql-hive/gateway-runtime';
import { normalizeNodeRequest } from '@whatwg-node/server';
import { GraphQLError, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Caller } from './auth/authenticator.ts';
import { clientAddress, type Callers } from './auth/callers.ts';
import { GATEWAY_ERRORS, type GatewayErrorCode } from './errors.ts';
import type { ConnectionLimits } from './limits/connections.ts';
import type { RateLimits } from './limits/rate-limits.ts';

/** Credentials a browser can't put in WebSocket headers travel in graphql-ws's connection_init payload. */
const CREDENTIAL_PARAMS = ['authorization', 'x-api-key', 'x-request-id'] as const;

export interface WebSocketOptions {
  callers: Callers;
  limits: RateLimits;
  connections: ConnectionLimits;
  /** Most operations open at once on one socket. */
  maxSubscriptionsPerConnection: number;
  trustProxy: boolean;
}

interface ConnectionState {
  caller: Caller;
  address: string;
  headers: Headers;
  open: Set<string>;
}

/**
 * graphql-ws on the GraphQL path, so clients subscribe over WebSockets as well as SSE. Each
 * operation runs through the same runtime and plugins as HTTP (persisted documents, limits, scopes):
 * - the connection is authenticated once, from its headers or connection_init payload; a credential
 *   that does not verify closes it with 4401 and the reason;
 * - every operation counts against the caller's rate limit, as an HTTP request would;
 * - one socket holds at most `maxSubscriptionsPerConnection` operations, and one address at most as
 *   many live connections as ConnectionLimits allows (SSE streams included);
 * - an operation the runtime refuses (not persisted, over a limit) answers that operation with its
 *   error, instead of closing the socket with 4500 and a stack trace.
 */
export function enableWebSockets(
  server: Server,
  runtime: GatewayRuntime,
  opts: WebSocketOptions,
): () => Promise<void> {
  const states = new WeakMap<object, ConnectionState>();
  const wsServer = new WebSocketServer({
    server,
    path: runtime.graphqlEndpoint,
    verifyClient: (
      info: { req: IncomingMessage },
      done: (ok: boolean, status?: number, message?: string) => void,
    ) => {
      const address = addressOf(info.req, opts.trustProxy);
      if (opts.connections.acquire(address)) return done(true);
      done(false, 429, GATEWAY_ERRORS.TOO_MANY_CONNECTIONS.message);
    },
  });
  wsServer.on('connection', (socket, req) => {
    const address = addressOf(req, opts.trustProxy);
    socket.once('close', () => opts.connections.release(address));
  });
  const hive = getGraphQLWSOptions<Record<string, unknown>, Extra>(runtime, (ctx) => {
    const state = states.get(ctx)!;
    const request = new runtime.fetchAPI.Request(
      new URL(runtime.graphqlEndpoint, 'http://gateway.internal'),
      {
        method: 'GET',
        headers: state.headers,
      },
    );
    opts.callers.set(request, state.caller);
    return { req: ctx.extra.request, socket: ctx.extra.socket, request };
  });
  // Operations being answered on any socket: a shutdown lets them finish before it closes the
  // sockets. Hive hands every operation to `subscribe` (its placeholder document is a subscription):
  // a query is pending until its result, a subscription only until its stream starts.
  let inFlight = 0;
  const answer =
    (run: (args: ExecutionArgs) => unknown) =>
    async (args: ExecutionArgs): Promise<unknown> => {
      inFlight += 1;
      try {
        return await run(args);
      } catch (err) {
        return { errors: [asClientError(err)] } satisfies ExecutionResult;
      } finally {
        inFlight -= 1;
      }
    };
  const disposable = useServer(
    {
      ...hive,
      execute: answer(hive.execute as (args: ExecutionArgs) => unknown) as never,
      subscribe: answer(hive.subscribe as (args: ExecutionArgs) => unknown) as never,
      onConnect: async (ctx) => {
        const request = normalizeNodeRequest(ctx.extra.request, runtime.fetchAPI);
        const params = (ctx.connectionParams ?? {}) as Record<string, unknown>;
        const headers = new Headers(request.headers);
        for (const name of CREDENTIAL_PARAMS) {
          const value = params[name] ?? params[name.replace(/^x-/, '')];
          if (typeof value === 'string' && !headers.has(name)) headers.set(name, value);
        }
        const caller = await opts.callers.of(new runtime.fetchAPI.Request(request.url, { headers }));
        if (caller.kind === 'refused') {
          ctx.extra.socket.close(4401, `UNAUTHENTICATED: ${caller.reason}`);
          return false;
        }
        states.set(ctx, {
          caller,
          headers,
          address: addressOf(ctx.extra.request, opts.trustProxy),
          open: new Set(),
        });
        return true;
      },
      onSubscribe: async (ctx, id, payload) => {
        const state = states.get(ctx)!;
        // Taken before anything awaits: messages of one socket are handled concurrently.
        if (state.open.size >= opts.maxSubscriptionsPerConnection) {
          return [
            clientError(
              'TOO_MANY_SUBSCRIPTIONS',
              `One connection holds at most ${opts.maxSubscriptionsPerConnection} operations; complete one first`,
            ),
          ];
        }
        state.open.add(id);
        const retryAfter = await opts.limits.consume(state.caller, state.address, 'ws');
        if (retryAfter !== undefined) {
          state.open.delete(id);
          return [clientError('RATE_LIMITED', `Too many requests; retry in ${retryAfter} s`, { retryAfter })];
        }
        return hive.onSubscribe!(ctx, id, payload);
      },
      onComplete: (ctx, id) => {
        states.get(ctx)?.open.delete(id);
      },
      // graphql-ws requires `query` in a subscribe payload; a persisted operation is named by
      // `documentId` (or APQ's extensions.persistedQuery) instead, so such a payload gets an empty one.
      jsonMessageReviver: (key, value: unknown) =>
        key === 'payload' && namesPersistedDocument(value) ? { ...value, query: '' } : value,
    },
    wsServer,
  );
  return async () => {
    for (const until = Date.now() + 15_000; inFlight > 0 && Date.now() < until;) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await disposable.dispose();
    await new Promise<void>((resolve) => wsServer.close(() => resolve()));
  };
}

function namesPersistedDocument(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || 'query' in value) return false;
  const payload = value as { documentId?: unknown; extensions?: { persistedQuery?: unknown } };
  return typeof payload.documentId === 'string' || payload.extensions?.persistedQuery !== undefined;
}

function addressOf(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = req.headers['x-forwarded-for'];
  return clientAddress(
    new Headers(typeof forwarded === 'string' ? { 'x-forwarded-for': forwarded } : {}),
    req.socket.remoteAddress,
    trustProxy,
  );
}

function clientError(code: GatewayErrorCode, message: string, extensions: Record<string, unknown> = {}) {
  return new GraphQLError(message, { extensions: { code, ...extensions } });
}

/** What a socket's client sees of a refused operation: its code and message, no HTTP status or stack. */
function asClientError(err: unknown): GraphQLError {
  if (!(err instanceof GraphQLError)) {
    return clientError('INTERNAL_SERVER_ERROR', GATEWAY_ERRORS.INTERNAL_SERVER_ERROR.message);
  }
  const extensions = { ...err.extensions };
  delete extensions['http'];
  return new GraphQLError(err.message, { extensions });
}
