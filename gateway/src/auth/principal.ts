import { createHash } from 'node:crypto';

/** Who is calling, as the gateway's authorization sees it. */
export interface Principal {
  kind: 'jwt' | 'api-key';
  /** A stable, non-reversible id for logs and audit trails (never the raw user id or key). */
  id: string;
  scopes: string[];
}

/**
 * The scopes CityAssist checks (`@requiresScopes` in the subgraphs):
 * - `reports:write` — file citizen reports; `reports:read` — read their free text;
 * - `reports:manage` — move reports along their workflow (transitionReport; audited);
 * - `features:write` — push new feature values for a zone (re-scores it);
 * - `models:admin` — promote or roll back model versions;
 * - `graphql:arbitrary` — run documents that are not persisted, in production.
 */
export const SCOPES = [
  'reports:read',
  'reports:write',
  'reports:manage',
  'features:write',
  'models:admin',
  'graphql:arbitrary',
] as const;

/** Hashes a personal identifier for logs: same input, same output, no way back. */
export function hashId(value: string): string {
  return createHash('sha256').update(`cityassist:${value}`).digest('hex').slice(0, 16);
}

/** Scopes from a JWT payload: OAuth's space-separated `scope`, or a `scopes` array. */
export function scopesOf(payload: Record<string, unknown>): string[] {
  if (typeof payload['scope'] === 'string') return payload['scope'].split(' ').filter(Boolean);
  if (Array.isArray(payload['scopes'])) {
    return payload['scopes'].filter((s): s is string => typeof s === 'string');
  }
  return [];
}

export function principalFromJwt(payload: Record<string, unknown>): Principal {
  const sub = typeof payload['sub'] === 'string' ? payload['sub'] : 'anonymous';
  return { kind: 'jwt', id: `jwt:${hashId(sub)}`, scopes: scopesOf(payload) };
}
