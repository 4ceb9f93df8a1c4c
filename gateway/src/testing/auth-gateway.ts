/** The auth and rate-limit plugins in front of a tiny reports subgraph, for their unit tests. */
import { SignJWT } from 'jose';
import { Registry } from 'prom-client';
import { ApiKeyStore } from '../auth/api-keys.ts';
import { Authenticator } from '../auth/authenticator.ts';
import { Callers } from '../auth/callers.ts';
import { RateLimits } from '../limits/rate-limits.ts';
import { useAuth } from '../plugins/use-auth.ts';
import { useRateLimit } from '../plugins/use-rate-limit.ts';
import { createGatewayTester, type TestSubgraph } from './gateway-tester.ts';

/** The HS256 secret the fixture gateway verifies JWTs with. */
export const SECRET = 'a-unit-test-jwt-secret-of-32-characters!';
/** A JWT signed with SECRET, expiring in 5 minutes unless told otherwise. */
export const token = (sub: string, scope = '', exp = Math.floor(Date.now() / 1000) + 300) =>
  new SignJWT({ sub, scope, exp })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(SECRET));

const reports: TestSubgraph = {
  name: 'reports',
  typeDefs: `type Query { reportCount: Int! report(id: ID!): Report }
    type Report @key(fields: "id") { id: ID! description: String! @requiresScopes(scopes: [["reports:read"]]) }`,
  resolvers: {
    Query: {
      reportCount: () => 3,
      report: (_: unknown, { id }: { id: string }) => ({ id, description: 'text' }),
    },
  },
};

/**
 * A gateway with the auth and rate-limit plugins in front of a reports subgraph whose
 * `Report.description` needs scope reports:read.
 */
export function startAuthGateway(opts: { jwt?: boolean; keyPoints?: number; ipPoints?: number } = {}) {
  const callers = new Callers(new Authenticator(ApiKeyStore.empty(), opts.jwt ? { secret: SECRET } : {}));
  const limits = new RateLimits({
    keyPoints: opts.keyPoints ?? 100,
    ipPoints: opts.ipPoints ?? 100,
    windowSeconds: 60,
    keyPrefix: 't:',
    registry: new Registry(),
  });
  return createGatewayTester({
    subgraphs: [reports],
    plugins: () => [useRateLimit({ limits, callers, trustProxy: false }), ...useAuth({ callers })],
  });
}
