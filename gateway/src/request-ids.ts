import { randomUUID } from 'node:crypto';

/** A request id from outside is echoed into logs and subgraph headers, so only plain tokens count. */
const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * The request id of each request: the client's `x-request-id` when it is a plain token, else a
 * fresh UUID, remembered by the request object so a REST route can hand its own id to the GraphQL
 * request it runs (one id through every log line of one call). The runtime's `requestId` option
 * calls `generate`; it keeps a client's id that passes this check.
 */
export class RequestIds {
  private readonly ids = new WeakMap<Request, string>();

  generate = ({ request }: { request: Request }): string => {
    const id = randomUUID();
    this.ids.set(request, id);
    return id;
  };

  of(request: Request): string | undefined {
    const given = request.headers.get('x-request-id');
    return given && REQUEST_ID.test(given) ? given : this.ids.get(request);
  }
}
