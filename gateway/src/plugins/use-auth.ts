import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import useJWT, {
  createInlineSigningKeyProvider,
  createRemoteJwksSigningKeyProvider,
  extractFromHeader,
} from '@graphql-mesh/plugin-jwt-auth';
import { useGenericAuth } from '@envelop/generic-auth';
import type { ApiKeyStore } from '../auth/api-keys.ts';
import { principalFromJwt, type Principal } from '../auth/principal.ts';

export interface AuthOptions {
  apiKeys: ApiKeyStore;
  jwt?:
    | {
        /** HS256 shared secret, or a JWKS URL for RS256/ES256 keys of an identity provider. */
        secret?: string | undefined;
        jwksUrl?: string | undefined;
        issuer?: string | undefined;
        audience?: string | undefined;
      }
    | undefined;
}

export interface AuthContext {
  principal?: Principal;
  jwt?: { payload: Record<string, unknown> };
}

/**
 * Authentication at the gateway: a bearer JWT (signature, expiry, issuer and audience checked;
 * a bad one is refused with 401) or an `x-api-key` (looked up by hash; a wrong one is refused with
 * 401). Neither: the caller is anonymous, and `@authenticated` / `@requiresScopes` fields refuse it
 * (genericAuth in gateway.ts). The resulting principal is `context.principal`.
 */
export function useAuth(opts: AuthOptions): GatewayPlugin[] {
  const plugins: GatewayPlugin[] = [];
  const jwt = opts.jwt;
  if (jwt?.secret || jwt?.jwksUrl) {
    plugins.push(
      useJWT({
        signingKeyProviders: [
          jwt.jwksUrl
            ? createRemoteJwksSigningKeyProvider({ jwksUri: jwt.jwksUrl })
            : createInlineSigningKeyProvider(jwt.secret!),
        ],
        tokenLookupLocations: [extractFromHeader({ name: 'authorization', prefix: 'Bearer' })],
        tokenVerification: {
          algorithms: jwt.jwksUrl ? ['RS256', 'ES256'] : ['HS256'],
          ...(jwt.issuer ? { issuer: jwt.issuer } : {}),
          ...(jwt.audience ? { audience: jwt.audience } : {}),
        },
        reject: { missingToken: false, invalidToken: true },
      }) as GatewayPlugin,
    );
  }
  plugins.push({
    // A wrong key is refused before the document is even parsed.
    onRequest(payload) {
      const key = payload.request.headers.get('x-api-key');
      if (key === null || opts.apiKeys.verify(key)) return;
      const errors = [{ message: 'The API key is not valid', extensions: { code: 'UNAUTHENTICATED' } }];
      payload.endResponse(
        new payload.fetchAPI.Response(JSON.stringify({ errors }), {
          status: 401,
          headers: { 'content-type': 'application/json', 'www-authenticate': 'ApiKey' },
        }),
      );
    },
    onContextBuilding({ context, extendContext }) {
      const ctx = context as AuthContext & { request: Request };
      const key = ctx.request.headers.get('x-api-key');
      const principal = key === null ? undefined : opts.apiKeys.verify(key);
      if (principal) {
        extendContext({ principal } as never);
      } else if (ctx.jwt?.payload) {
        extendContext({ principal: principalFromJwt(ctx.jwt.payload) } as never);
      }
    },
  });
  // After the principal is known: `@authenticated` and `@requiresScopes` from the subgraphs' SDL
  // are checked per field before anything executes.
  plugins.push(
    useGenericAuth<Principal, AuthContext>({
      mode: 'protect-granular',
      resolveUserFn: (ctx) => ctx.principal ?? null,
      extractScopes: (principal) => principal?.scopes ?? [],
    }) as GatewayPlugin,
  );
  return plugins;
}
