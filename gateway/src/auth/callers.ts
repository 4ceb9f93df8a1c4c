import type { IncomingMessage } from 'node:http';
import type { Authenticator, Caller } from './authenticator.ts';

/**
 * Who sent each request, decided once per request and remembered by the request object itself: the
 * rate limiter, the auth plugin, the response cache and persisted documents all ask here. A
 * WebSocket operation or a REST route's in-process GraphQL request is given its caller by whoever
 * made the request object, so it is never authenticated from headers twice, and the mark of an
 * internal request is the object, which no client can forge (a header could be).
 */
export class Callers {
  private readonly pending = new WeakMap<Request, Promise<Caller>>();
  private readonly settled = new WeakMap<Request, Caller>();
  private readonly internal = new WeakSet<Request>();

  constructor(private readonly authenticator: Authenticator) {}

  of(request: Request): Promise<Caller> {
    const known = this.settled.get(request);
    if (known) return Promise.resolve(known);
    let pending = this.pending.get(request);
    if (!pending) {
      pending = this.authenticator.authenticate(request.headers).then((caller) => {
        this.settled.set(request, caller);
        return caller;
      });
      this.pending.set(request, pending);
    }
    return pending;
  }

  /** The caller once `of` has resolved (context building, cache decisions); undefined before. */
  known(request: Request): Caller | undefined {
    return this.settled.get(request);
  }

  set(request: Request, caller: Caller): void {
    this.settled.set(request, caller);
  }

  /** Marks a request the gateway made itself on a client's behalf (already counted and authenticated). */
  markInternal(request: Request, caller: Caller): void {
    this.internal.add(request);
    this.set(request, caller);
  }

  isInternal(request: Request): boolean {
    return this.internal.has(request);
  }
}

/** The client's address: the socket's, or the first X-Forwarded-For hop behind a trusted proxy. */
export function clientAddress(
  headers: Headers,
  socketAddress: string | undefined,
  trustProxy: boolean,
): string {
  const forwarded = trustProxy ? headers.get('x-forwarded-for')?.split(',')[0]?.trim() : undefined;
  return forwarded || socketAddress || 'unknown';
}

/** The socket address of a request served by node:http (the runtime's server context). */
export function socketAddressOf(serverContext: unknown): string | undefined {
  return (serverContext as { req?: IncomingMessage } | undefined)?.req?.socket.remoteAddress;
}
