import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { useGenericAuth, type ValidateUserFn } from '@envelop/generic-auth';
import type { Callers } from '../auth/callers.ts';
import type { Principal } from '../auth/principal.ts';
import { GraphQLError } from 'graphql';
import { errorResponse, type GatewayErrorCode } from '../errors.ts';

export interface AuthContext {
  principal?: Principal;
  request: Request;
}

const UNGUARDED = new Set(['/health', '/ready', '/metrics']);

/**
 * Authentication at the gateway (see auth/authenticator.ts): a request with a credential that does
 * not verify is refused with 401 UNAUTHENTICATED and a `reason` before its document is parsed; a
 * verified caller becomes `context.principal`; no credential is anonymous. Then
 * `@authenticated` / `@requiresScopes` from the subgraphs' SDL are checked per field before anything
 * executes, and a refusal names the scopes the field needs.
 */
export function useAuth(opts: { callers: Callers }): GatewayPlugin[] {
  return [
    {
      onRequest(payload) {
        const { request, fetchAPI, url } = payload;
        if (UNGUARDED.has(url.pathname)) return;
        return opts.callers.of(request).then((caller) => {
          if (caller.kind !== 'refused') return;
          payload.endResponse(
            errorResponse(fetchAPI, 'UNAUTHENTICATED', caller.message, {
              extensions: { reason: caller.reason },
              headers: {
                // RFC 6750 §3: the scheme, and why the presented token failed.
                'www-authenticate': `Bearer error="invalid_token", error_description="${caller.reason}"`,
              },
            }),
          );
        });
      },
      onContextBuilding({ context, extendContext }) {
        const caller = opts.callers.known((context as AuthContext).request);
        if (caller?.kind === 'principal') extendContext({ principal: caller.principal } as never);
      },
    },
    useGenericAuth<Principal, AuthContext>({
      mode: 'protect-granular',
      resolveUserFn: (ctx) => ctx.principal ?? null,
      extractScopes: (principal) => principal?.scopes ?? [],
      validateUser: validateScopes,
    }) as GatewayPlugin,
  ];
}

/**
 * @authenticated and @requiresScopes, as generic-auth's default check does, but the refusal says
 * what would pass: `requiredScopes` lists the alternatives (any one set suffices). 401 for an
 * anonymous caller, 403 for one who lacks the scope.
 */
const validateScopes: ValidateUserFn<Principal> = (params) => {
  const needsAuth = Boolean(params.fieldAuthArgs || params.typeAuthArgs);
  const alternatives = [...(params.typeScopes ?? []), ...(params.fieldScopes ?? [])];
  const has = params.userScopes ?? [];
  const satisfied = (sets: readonly (readonly string[])[] | undefined) =>
    !sets?.length || sets.some((set) => set.every((s) => has.includes(s)));
  const anonymous = params.user == null;
  if (
    anonymous
      ? !needsAuth && !alternatives.length
      : satisfied(params.typeScopes) && satisfied(params.fieldScopes)
  ) {
    return undefined;
  }
  const field = `${params.parentType.name}.${params.fieldNode.name.value}`;
  const needed = alternatives.map((set) => set.join(' + ')).join(' or ');
  const message = needed
    ? `${field} needs scope ${needed}${anonymous ? '; send an API key or token that has it' : ''}`
    : `${field} needs a signed-in caller`;
  return new GraphQLError(message, {
    nodes: [params.fieldNode],
    ...(params.path ? { path: params.path } : {}),
    extensions: {
      code: 'UNAUTHORIZED_FIELD_OR_TYPE' satisfies GatewayErrorCode,
      requiredScopes: alternatives,
      http: { status: anonymous ? 401 : 403 },
    },
  });
};
