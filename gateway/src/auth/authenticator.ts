import { createRemoteJWKSet, customFetch, errors as jose, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { ApiKeyStore } from './api-keys.ts';
import { principalFromJwt, type Principal } from './principal.ts';

/** Why a credential was refused: `extensions.reason` of the 401, one word a client can branch on. */
export type AuthFailure =
  | 'invalid_api_key'
  | 'revoked'
  | 'key_expired'
  | 'ambiguous'
  | 'unsupported_scheme'
  | 'bearer_not_accepted'
  | 'malformed'
  | 'expired'
  | 'not_yet_valid'
  | 'missing_expiry'
  | 'bad_signature'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'unknown_key'
  | 'keys_unavailable';

/** Who is calling, as far as the gateway can tell from the request's headers. */
export type Caller =
  | { kind: 'anonymous' }
  | { kind: 'principal'; principal: Principal }
  | { kind: 'refused'; reason: AuthFailure; message: string };

export interface JwtOptions {
  /** HS256 shared secret (32+ characters). */
  secret?: string | undefined;
  /** JWKS URL of an identity provider (RS256 / ES256). */
  jwksUrl?: string | undefined;
  issuer?: string | undefined;
  audience?: string | undefined;
  /** Accept tokens without `exp` (they never expire). Default false. */
  allowNoExpiry?: boolean | undefined;
  /** Least time between two JWKS fetches, however many unknown `kid`s arrive. Default 30 s. */
  jwksCooldownMs?: number | undefined;
  /** How the JWKS is fetched (tests count the fetches). Default: the global fetch. */
  jwksFetch?: typeof fetch | undefined;
}

const MESSAGES: Record<AuthFailure, string> = {
  invalid_api_key: 'The API key is not valid',
  revoked: 'The API key has been revoked',
  key_expired: 'The API key has expired',
  ambiguous: 'Send one credential: x-api-key or Authorization, not both',
  unsupported_scheme: 'Authorization must be "Bearer <token>"',
  bearer_not_accepted: 'This gateway accepts no bearer tokens (JWT is not configured); use an API key',
  malformed: 'The bearer token is not a well-formed JWT',
  expired: 'The token has expired',
  not_yet_valid: 'The token is not valid yet',
  missing_expiry: 'The token has no expiry (exp); tokens must expire',
  bad_signature: 'The token signature is not valid',
  wrong_issuer: 'The token was issued by another issuer',
  wrong_audience: 'The token is meant for another audience',
  unknown_key: 'The token was signed with a key the identity provider does not publish',
  keys_unavailable: "The identity provider's keys could not be fetched; try again",
};

const refused = (reason: AuthFailure): Caller => ({ kind: 'refused', reason, message: MESSAGES[reason] });

/**
 * Authentication at the gateway, for HTTP requests and WebSocket connections alike: an `x-api-key`
 * (looked up by hash), or a bearer JWT verified with jose (signature, `exp` required, `nbf`,
 * issuer, audience). An unverified credential never counts as a caller: it is refused with a
 * reason, so it can neither open its own rate-limit bucket nor pass for anonymous.
 *
 * jose rather than Hive's JWT plugin: the plugin (jsonwebtoken + jwks-rsa) cannot require `exp`,
 * gives no reason for a refusal, refetches the JWKS for every unknown `kid`, and runs for HTTP
 * requests only; jose's remote key set refetches at most once per cooldown.
 */
export class Authenticator {
  private readonly key: Uint8Array | JWTVerifyGetKey | undefined;
  private readonly algorithms: string[];

  constructor(
    private readonly apiKeys: ApiKeyStore,
    private readonly jwt: JwtOptions = {},
  ) {
    if (jwt.jwksUrl) {
      this.key = createRemoteJWKSet(new URL(jwt.jwksUrl), {
        cooldownDuration: jwt.jwksCooldownMs ?? 30_000,
        timeoutDuration: 5000,
        ...(jwt.jwksFetch ? { [customFetch]: jwt.jwksFetch } : {}),
      });
      this.algorithms = ['RS256', 'ES256'];
    } else if (jwt.secret) {
      this.key = new TextEncoder().encode(jwt.secret);
      this.algorithms = ['HS256'];
    } else {
      this.algorithms = [];
    }
  }

  get jwtEnabled(): boolean {
    return this.key !== undefined;
  }

  async authenticate(headers: Headers): Promise<Caller> {
    const apiKey = headers.get('x-api-key');
    const authorization = headers.get('authorization');
    if (apiKey !== null && authorization !== null) return refused('ambiguous');
    if (apiKey !== null) {
      const checked = this.apiKeys.check(apiKey);
      return 'principal' in checked
        ? { kind: 'principal', principal: checked.principal }
        : refused(checked.refused);
    }
    if (authorization === null) return { kind: 'anonymous' };
    if (!this.key) return refused('bearer_not_accepted');
    const match = /^Bearer +([\w-]+\.[\w-]+\.[\w-]*)$/i.exec(authorization.trim());
    if (!match) {
      return /^Bearer\b/i.test(authorization) ? refused('malformed') : refused('unsupported_scheme');
    }
    try {
      const { payload } = await jwtVerify(match[1]!, this.key as Uint8Array, {
        algorithms: this.algorithms,
        ...(this.jwt.issuer ? { issuer: this.jwt.issuer } : {}),
        ...(this.jwt.audience ? { audience: this.jwt.audience } : {}),
        requiredClaims: this.jwt.allowNoExpiry ? [] : ['exp'],
      });
      return { kind: 'principal', principal: principalFromJwt(payload) };
    } catch (err) {
      return refused(failureOf(err));
    }
  }
}

function failureOf(err: unknown): AuthFailure {
  if (err instanceof jose.JWTExpired) return 'expired';
  if (err instanceof jose.JWTClaimValidationFailed) {
    if (err.claim === 'exp') return 'missing_expiry';
    if (err.claim === 'iss') return 'wrong_issuer';
    if (err.claim === 'aud') return 'wrong_audience';
    if (err.claim === 'nbf') return 'not_yet_valid';
    return 'malformed';
  }
  if (err instanceof jose.JWSSignatureVerificationFailed) return 'bad_signature';
  if (err instanceof jose.JWKSNoMatchingKey || err instanceof jose.JWKSMultipleMatchingKeys) {
    return 'unknown_key';
  }
  if (err instanceof jose.JWKSTimeout || err instanceof jose.JWKSInvalid) return 'keys_unavailable';
  // A JWKS fetch that failed (the identity provider is down) is no fault of the token.
  if (err instanceof TypeError || (err instanceof jose.JOSEError && err.code === 'ERR_JOSE_GENERIC')) {
    return 'keys_unavailable';
  }
  return 'malformed';
}
