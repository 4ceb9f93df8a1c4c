import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { getOperationAST, OperationTypeNode, parse } from 'graphql';
import type { WebSocket, WebSocketServer } from 'ws';

/**
 * How long in-flight requests may take to finish once a drain has begun, before their connections
 * are cut: 20 s, which leaves 5 s of onShutdown's 25 s grace (itself inside Kubernetes' default
 * 30 s terminationGracePeriodSeconds) for closing WebSockets, the runtime and the database.
 */
export const DRAIN_TIMEOUT_MS = 20_000;

export interface DrainOptions {
  /**
   * How long `/ready` answers 503 while new connections are still accepted, before the listener
   * closes (SHUTDOWN_DELAY_MS). Default 0.
   */
  delayMs?: number;
  /** Longest wait, from the start of the drain, for in-flight work to finish. Default 20 s. */
  timeoutMs?: number;
  logger?: { info(attrs: object, msg?: string): void; warn(attrs: object, msg?: string): void };
}

export interface DrainSteps {
  /**
   * More in-flight work to wait for beside the HTTP requests (graphql-ws operations): each
   * resolves once its work is done; the signal aborts when the drain's time is up.
   */
  waitFor?: ((signal: AbortSignal) => Promise<unknown>)[];
  /**
   * Runs once the requests are done (or the time is up) and before the remaining connections are
   * closed: close WebSockets with 1001, end subscriptions.
   */
  afterRequests?: () => Promise<void> | void;
}

export interface HttpDrain {
  /** True from the moment `close()` is called: `/ready` says 503, every response says `Connection: close`. */
  readonly draining: boolean;
  /** HTTP requests whose response has not finished (event streams included). */
  readonly inFlight: number;
  /**
   * Drains the server, once however often it is called: marks it draining, waits `delayMs`, stops
   * accepting connections (Node's close() also drops the idle keep-alive ones), lets in-flight
   * requests finish (their responses say `Connection: close`, and a connection whose response had
   * already started is closed once it is done), runs `afterRequests`, ends what is left (event
   * streams), and resolves when every connection is closed. Resolves false when the time ran out
   * and connections were cut.
   */
  close(steps?: DrainSteps): Promise<boolean>;
}

/**
 * Node 24's `server.close()` stops accepting and closes the keep-alive connections that are idle
 * at that moment, but a connection busy with a request stays open after its response (which still
 * says `Connection: keep-alive`) and takes the client's next request, until keepAliveTimeout: a
 * rolling restart then loses the requests that arrive on it while the process exits (see
 * drain.test.ts, which pins this down). This drain closes each such connection after its current
 * response instead, and waits for the responses.
 */
export function drainHttpServer(server: Server, options: DrainOptions = {}): HttpDrain {
  const delayMs = options.delayMs ?? 0;
  const timeoutMs = options.timeoutMs ?? DRAIN_TIMEOUT_MS;
  const sockets = new Set<Socket>();
  const requestsOn = new Map<Socket, number>();
  const responses = new Set<ServerResponse>();
  let draining = false;
  let idleWaiters: (() => void)[] = [];

  const isStream = (res: ServerResponse) =>
    res.headersSent &&
    (String(res.getHeader('content-type') ?? '').startsWith('text/event-stream') ||
      String(res.req.headers.accept ?? '').includes('text/event-stream'));
  const busy = () => [...responses].filter((res) => !isStream(res)).length;
  const checkIdle = () => {
    if (busy() > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };
  // A connection whose last response went out before the drain began said keep-alive: close it
  // once nothing runs on it (destroySoon flushes what is written first).
  const closeWhenIdle = (socket: Socket) =>
    setImmediate(() => {
      if ((requestsOn.get(socket) ?? 0) === 0 && !socket.destroyed) socket.destroySoon();
    });

  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      requestsOn.delete(socket);
    });
  });
  // Before the application's own listener, so the flag is set before anything is written.
  server.prependListener('request', (req, res) => {
    const socket = req.socket;
    responses.add(res);
    requestsOn.set(socket, (requestsOn.get(socket) ?? 0) + 1);
    if (draining) res.shouldKeepAlive = false;
    res.once('close', () => {
      responses.delete(res);
      const left = Math.max(0, (requestsOn.get(socket) ?? 1) - 1);
      requestsOn.set(socket, left);
      if (!draining) return;
      if (left === 0) closeWhenIdle(socket);
      checkIdle();
    });
  });

  const requestsDone = () =>
    new Promise<void>((resolve) => {
      idleWaiters.push(resolve);
      checkIdle();
    });

  let closing: Promise<boolean> | undefined;
  const run = async ({ waitFor = [], afterRequests }: DrainSteps): Promise<boolean> => {
    const started = Date.now();
    const timeUp = new AbortController();
    const timer = setTimeout(() => timeUp.abort(), timeoutMs);
    const untilTimeUp = new Promise<void>((resolve) =>
      timeUp.signal.addEventListener('abort', () => resolve()),
    );
    try {
      draining = true;
      // Responses not begun yet end their connection; those that began said keep-alive already.
      for (const res of responses) if (!res.headersSent) res.shouldKeepAlive = false;
      options.logger?.info({ inFlight: responses.size, delayMs }, 'draining');
      if (delayMs > 0) {
        await Promise.race([new Promise((resolve) => setTimeout(resolve, delayMs)), untilTimeUp]);
      }

      // Node's close() also closes the idle keep-alive connections (not upgraded ones: WebSockets
      // are closed by afterRequests, with 1001).
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));

      const done = await Promise.race([
        Promise.all([requestsDone(), ...waitFor.map((wait) => wait(timeUp.signal))]).then(() => true),
        untilTimeUp.then(() => false),
      ]);
      if (!done) {
        options.logger?.warn({ inFlight: busy(), timeoutMs }, 'drain timed out; cutting the rest');
      }
      await afterRequests?.();
      // What is left: event streams (subscriptions over SSE, which end only when the client goes),
      // and, when the time is up, requests that did not finish.
      for (const res of responses) res.socket?.destroySoon();
      const allClosed = await Promise.race([closed.then(() => true), untilTimeUp.then(() => false)]);
      if (!allClosed) {
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
        await closed;
      }
      options.logger?.info({ durationMs: Date.now() - started, graceful: done && allClosed }, 'drained');
      return done && allClosed;
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    get draining() {
      return draining;
    },
    get inFlight() {
      return responses.size;
    },
    close(steps = {}) {
      closing ??= run(steps);
      return closing;
    },
  };
}

/**
 * Counts the graphql-ws operations in flight on a WebSocketServer, so a drain can let queries and
 * mutations sent over a socket finish before the socket is closed with 1001 (Going Away).
 * Subscriptions are not counted: they end only when the client or the server ends them, and the
 * client resubscribes after the 1001 (to another replica). An operation is in flight from its
 * `subscribe` message until the server sends its `complete` or `error`, or the client its
 * `complete`. One without a `query` (a persisted document) is not counted: its kind is unknown.
 */
export function trackWsOperations(wss: WebSocketServer): {
  /** Queries and mutations whose answer has not been sent. */
  readonly inFlight: number;
  /** Resolves true once none is in flight, false if the signal aborts first. */
  idle(signal?: AbortSignal): Promise<boolean>;
} {
  const open = new Map<WebSocket, Set<string>>();
  let waiters: (() => void)[] = [];
  const count = () => [...open.values()].reduce((n, ids) => n + ids.size, 0);
  const check = () => {
    if (count() > 0) return;
    const ready = waiters;
    waiters = [];
    for (const resolve of ready) resolve();
  };
  wss.on('connection', (socket: WebSocket) => {
    const ids = new Set<string>();
    open.set(socket, ids);
    socket.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      if (isBinary) return;
      const message = parseMessage(data);
      if (message?.type === 'subscribe' && isQueryOrMutation(message.payload)) ids.add(message.id);
      if (message?.type === 'complete' && ids.delete(message.id)) check();
    });
    // graphql-ws answers through send(); a frame queued by send() goes out before a later close().
    const send = socket.send.bind(socket) as (...args: unknown[]) => void;
    socket.send = ((data: unknown, ...rest: unknown[]) => {
      send(data, ...rest);
      if (typeof data !== 'string') return;
      const message = parseMessage(data);
      if ((message?.type === 'complete' || message?.type === 'error') && ids.delete(message.id)) check();
    }) as WebSocket['send'];
    socket.once('close', () => {
      open.delete(socket);
      check();
    });
  });
  return {
    get inFlight() {
      return count();
    },
    idle(signal) {
      if (count() === 0) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        waiters.push(() => resolve(true));
        signal?.addEventListener('abort', () => resolve(false), { once: true });
      });
    },
  };
}

function parseMessage(data: unknown): { type: string; id: string; payload?: unknown } | undefined {
  try {
    const text = typeof data === 'string' ? data : Buffer.isBuffer(data) ? data.toString('utf8') : undefined;
    if (text === undefined || text.length > 1_000_000) return undefined;
    const message = JSON.parse(text) as { type?: unknown; id?: unknown; payload?: unknown };
    return typeof message.type === 'string' && typeof message.id === 'string'
      ? { type: message.type, id: message.id, payload: message.payload }
      : undefined;
  } catch {
    return undefined;
  }
}

function isQueryOrMutation(payload: unknown): boolean {
  const { query, operationName } = (payload ?? {}) as { query?: unknown; operationName?: unknown };
  if (typeof query !== 'string' || !query) return false;
  try {
    const operation = getOperationAST(
      parse(query),
      typeof operationName === 'string' ? operationName : undefined,
    )?.operation;
    return operation !== undefined && operation !== OperationTypeNode.SUBSCRIPTION;
  } catch {
    return false;
  }
}
