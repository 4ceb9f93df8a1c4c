import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';

export const GATEWAY_SECRET_HEADER = 'x-gateway-secret';
export const PRINCIPAL_HEADER = 'x-principal';

/** The caller as the gateway authenticated it: a hashed id and scopes (see gateway/src/auth). */
export interface ForwardedPrincipal {
  id: string;
  scopes: string[];
}

/**
 * Refuses GraphQL requests that don't carry the gateway's shared secret, so a subgraph can't be
 * reached around the gateway's authentication and limits. Without a secret (development) it lets
 * everything through and says so once.
 */
export function requireGateway(secret: string | undefined, logger: Logger): RequestHandler {
  if (!secret) {
    logger.warn('GATEWAY_SECRET is not set: this subgraph accepts requests from anyone (development only)');
    return (_req, _res, next) => next();
  }
  const matches = gatewaySecretMatches(secret);
  return (req, res, next) => {
    if (matches(String(req.headers[GATEWAY_SECRET_HEADER] ?? ''))) return next();
    res.status(401).json({
      errors: [
        { message: 'Only the gateway may call this subgraph', extensions: { code: 'UNAUTHENTICATED' } },
      ],
    });
  };
}

/** A constant-time check of a presented secret; always true when no secret is configured. */
export function gatewaySecretMatches(secret: string | undefined): (given: string) => boolean {
  if (!secret) return () => true;
  const expected = Buffer.from(secret);
  return (given) => {
    const presented = Buffer.from(given);
    return presented.length === expected.length && timingSafeEqual(presented, expected);
  };
}

/** Reads the principal the gateway forwarded (`<id>;<scope> <scope>`); only trusted behind requireGateway. */
export function principalOf(header: string | string[] | undefined): ForwardedPrincipal | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const [id, scopes = ''] = value.split(';');
  if (!id || !/^[\w:.-]{1,80}$/.test(id)) return undefined;
  return { id, scopes: scopes.split(' ').filter(Boolean) };
}
