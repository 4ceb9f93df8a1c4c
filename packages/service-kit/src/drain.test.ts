import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  GraphQLInt,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  type GraphQLFieldConfig,
} from 'graphql';
import { createClient } from 'graphql-ws';
import { pino } from 'pino';
import WebSocket from 'ws';
import { drainHttpServer } from './drain.ts';
import { createMetrics } from './metrics.ts';
import { startSubgraphServer } from './subgraph-server.ts';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  socket: net.Socket;
}

/** A GET or POST over the agent's (keep-alive) connection, with the headers exactly as sent. */
function request(
  port: number,
  path: string,
  { agent, method = 'GET', body }: { agent?: http.Agent | false; method?: string; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method,
        agent: agent ?? false,
        headers: body ? { 'content-type': 'application/json' } : {},
      },
      (res) => {
        // Captured now: a keep-alive response hands its socket back to the agent when it ends.
        const socket = res.socket;
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text, socket }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Resolves the error code of a new TCP connection to the port, or 'connected'. */
function connectTo(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

const closedSocket = (socket: net.Socket) =>
  socket.destroyed
    ? Promise.resolve()
    : new Promise<void>((resolve) => socket.once('close', () => resolve()));

/** A server whose `/slow?ms=N` answers after N ms and `/` at once. */
async function slowServer(handler?: http.RequestListener) {
  const server = http.createServer(
    handler ??
      ((req, res) => {
        const ms = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('ms') ?? 0);
        setTimeout(() => res.end('done'), ms);
      }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

describe("Node 24's own http.Server.close(), which the drain builds on", () => {
  it('closes idle keep-alive connections at once, but a busy one stays open after its response, still keep-alive, and serves the next request', async () => {
    const { server, port } = await slowServer();
    const idleAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const busyAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const idle = await request(port, '/', { agent: idleAgent });
      assert.equal(idle.headers.connection, 'keep-alive');
      const slow = request(port, '/slow?ms=300', { agent: busyAgent });
      await sleep(50);
      let closed = false;
      server.close(() => (closed = true));
      await closedSocket(idle.socket); // the idle connection: closed by close()
      assert.equal(await connectTo(port), 'ECONNREFUSED'); // and no new connection
      const answer = await slow;
      assert.equal(answer.status, 200);
      // The in-flight request's response still invites the client to reuse the connection...
      assert.equal(answer.headers.connection, 'keep-alive');
      assert.equal(answer.socket.destroyed, false);
      // ...which still takes requests after close(), until keepAliveTimeout (5 s) ends it.
      const again = await request(port, '/', { agent: busyAgent });
      assert.equal(again.status, 200);
      assert.equal(again.headers.connection, 'keep-alive');
      assert.equal(closed, false, 'close() is still waiting for that connection');
    } finally {
      idleAgent.destroy();
      busyAgent.destroy();
      server.closeAllConnections();
    }
  });
});

describe('drainHttpServer', () => {
  it('turns not-ready at once, keeps accepting for the delay, then refuses new connections, lets the in-flight request finish with Connection: close, and resolves when all are closed', async () => {
    const state: { drain?: ReturnType<typeof drainHttpServer> } = {};
    const { server, port } = await slowServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/ready') {
        res.statusCode = state.drain?.draining ? 503 : 200;
        res.end();
        return;
      }
      setTimeout(() => res.end('done'), Number(url.searchParams.get('ms') ?? 0));
    });
    const drain = (state.drain = drainHttpServer(server, { delayMs: 300 }));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const idleAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await request(port, '/', { agent });
      assert.equal(first.headers.connection, 'keep-alive');
      const idle = await request(port, '/', { agent: idleAgent });
      const slow = request(port, '/slow?ms=700', { agent });
      await sleep(50);
      assert.equal(drain.inFlight, 1);

      const closing = drain.close();
      // During the delay: still accepting, but not ready, and no connection is kept.
      const ready = await request(port, '/ready');
      assert.equal(ready.status, 503);
      assert.equal(ready.headers.connection, 'close');
      await sleep(400);
      // After the delay: no new connection, and the idle keep-alive one is gone.
      assert.equal(await connectTo(port), 'ECONNREFUSED');
      assert.ok(idle.socket.destroyed);

      const answer = await slow;
      assert.equal(answer.status, 200);
      assert.equal(answer.body, 'done');
      assert.equal(answer.headers.connection, 'close', 'the keep-alive client is told to go');
      await closedSocket(answer.socket);
      assert.equal(await closing, true);
    } finally {
      agent.destroy();
      idleAgent.destroy();
      server.closeAllConnections();
    }
  });

  it('closes a connection whose response began before the drain once that response is done', async () => {
    // A response that has sent its headers (keep-alive) and is still streaming its body.
    const { server, port } = await slowServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '4' });
      res.write('do');
      setTimeout(() => res.end('ne'), 300);
    });
    const drain = drainHttpServer(server);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const pending = request(port, '/', { agent });
      await sleep(100);
      const closing = drain.close();
      const answer = await pending;
      assert.equal(answer.body, 'done');
      assert.equal(answer.headers.connection, 'keep-alive'); // too late to say otherwise...
      await closedSocket(answer.socket); // ...so the drain closes it
      assert.equal(await closing, true);
    } finally {
      agent.destroy();
    }
  });

  it('EXPECTED FAILURE - cuts what is still running when the time is up, and says so', async () => {
    const { server, port } = await slowServer();
    const drain = drainHttpServer(server, { timeoutMs: 200 });
    const pending = request(port, '/slow?ms=5000').catch((err: NodeJS.ErrnoException) => err.code);
    await sleep(50);
    const started = Date.now();
    assert.equal(await drain.close(), false);
    assert.ok(Date.now() - started < 1500);
    assert.equal(await pending, 'ECONNRESET');
  });
});

const slowField: GraphQLFieldConfig<unknown, unknown, { ms: number }> = {
  type: GraphQLString,
  args: { ms: { type: new GraphQLNonNull(GraphQLInt) } },
  resolve: async (_root, { ms }) => {
    await sleep(ms);
    return `slept ${ms}`;
  },
};

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: {
      slow: slowField,
      broken: {
        type: GraphQLString,
        resolve: () => {
          throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
            dependencyUnavailable: 'database',
          });
        },
      },
    },
  }),
  subscription: new GraphQLObjectType({
    name: 'Subscription',
    fields: {
      ticks: {
        type: GraphQLInt,
        subscribe: async function* () {
          for (let i = 0; ; i++) {
            yield { ticks: i };
            await sleep(100);
          }
        },
      },
    },
  }),
});

function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info', messageKey: 'msg', formatters: { level: (label) => ({ level: label }) } },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, lines };
}

describe('startSubgraphServer close()', () => {
  it('drains: /ready 503 during the drain, the in-flight request completes 200 with Connection: close, new connections are refused, a graphql-ws query finishes before its socket closes with 1001', async () => {
    const { logger } = captureLogger();
    const server = await startSubgraphServer({
      name: 'drain-test',
      schema,
      host: '127.0.0.1',
      port: 0,
      logger,
      metrics: createMetrics('drain-test'),
      readiness: {},
      context: (base) => base,
      subscriptions: true,
      shutdownDelayMs: 300,
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const ws = createClient({
      url: server.url,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => undefined,
    });
    try {
      assert.equal((await request(server.port, '/ready')).status, 200);
      const query = (q: string) =>
        request(server.port, '/graphql', { agent, method: 'POST', body: JSON.stringify({ query: q }) });
      const warm = await query('{ slow(ms: 0) }');
      assert.equal(warm.headers.connection, 'keep-alive');

      // A subscription (ends with the socket) and a query over the socket, in flight.
      const ticks: unknown[] = [];
      const closedWith = new Promise<number>((resolve) =>
        ws.on('closed', (e) => resolve((e as CloseEvent).code)),
      );
      const subscription = new Promise<void>((resolve, reject) =>
        ws.subscribe(
          { query: 'subscription { ticks }' },
          { next: (v) => ticks.push(v), error: reject, complete: resolve },
        ),
      );
      subscription.catch(() => undefined);
      const wsQuery = new Promise<unknown>((resolve, reject) => {
        let value: unknown;
        ws.subscribe(
          { query: '{ slow(ms: 700) }' },
          { next: (v) => (value = v), error: reject, complete: () => resolve(value) },
        );
      });
      const inFlight = query('{ slow(ms: 700) }');
      await sleep(100);

      const closing = server.close();
      const ready = await request(server.port, '/ready');
      assert.equal(ready.status, 503);
      assert.deepEqual(JSON.parse(ready.body), { ready: false, status: 'shutting down', checks: {} });
      await sleep(400);
      assert.equal(await connectTo(server.port), 'ECONNREFUSED');

      const answer = await inFlight;
      assert.equal(answer.status, 200);
      assert.deepEqual(JSON.parse(answer.body), { data: { slow: 'slept 700' } });
      assert.equal(answer.headers.connection, 'close');
      assert.deepEqual(await wsQuery, { data: { slow: 'slept 700' } });
      assert.equal(await closedWith, 1001);
      assert.ok(ticks.length > 0);
      await closing;
      await closedSocket(answer.socket);
    } finally {
      await ws.dispose();
      agent.destroy();
      await server.close();
    }
  });

  it('EXPECTED FAILURE - answers an unavailable dependency with SERVICE_UNAVAILABLE, retryable, logged at warn once per burst', async () => {
    const { logger, lines } = captureLogger();
    const server = await startSubgraphServer({
      name: 'outage-test',
      schema,
      host: '127.0.0.1',
      port: 0,
      logger,
      metrics: createMetrics('outage-test'),
      readiness: {},
      context: (base) => base,
      subscriptions: true,
    });
    const ws = createClient({ url: server.url, webSocketImpl: WebSocket, retryAttempts: 0 });
    try {
      for (let i = 0; i < 3; i++) {
        const res = await request(server.port, '/graphql', {
          method: 'POST',
          body: JSON.stringify({ query: '{ broken }' }),
        });
        assert.equal(res.status, 200);
        const body = JSON.parse(res.body) as {
          data: unknown;
          errors: { message: string; extensions: object; path: string[] }[];
        };
        assert.deepEqual(body.data, { broken: null });
        assert.deepEqual(body.errors, [
          {
            message: 'The service is not available right now; try again shortly.',
            path: ['broken'],
            extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true },
          },
        ]);
        assert.doesNotMatch(res.body, /ECONNREFUSED|5432/);
      }
      // Over graphql-ws (which skips Apollo's formatError) the same answer.
      const overWs = await new Promise<unknown>((resolve, reject) => {
        let value: unknown;
        ws.subscribe(
          { query: '{ broken }' },
          { next: (v) => (value = v), error: reject, complete: () => resolve(value) },
        );
      });
      assert.deepEqual(overWs, {
        data: { broken: null },
        errors: [
          {
            message: 'The service is not available right now; try again shortly.',
            path: ['broken'],
            extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true },
          },
        ],
      });
      const warns = lines.filter((l) => l['level'] === 'warn' && 'dependency' in l);
      assert.equal(warns.length, 1, JSON.stringify(lines));
      assert.equal(warns[0]!['dependency'], 'database');
      assert.equal(lines.filter((l) => l['level'] === 'error').length, 0);
      // The request log and errors_total count the code the client saw.
      const operations = lines.filter((l) => l['msg'] === 'graphql operation');
      assert.deepEqual(
        operations.map((l) => l['errors']),
        [['SERVICE_UNAVAILABLE'], ['SERVICE_UNAVAILABLE'], ['SERVICE_UNAVAILABLE']],
      );
    } finally {
      await ws.dispose();
      await server.close();
    }
  });
});
