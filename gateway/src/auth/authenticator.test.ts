import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { ApiKeyStore, mintApiKey } from './api-keys.ts';
import { Authenticator, type Caller } from './authenticator.ts';

const SECRET = 'a-unit-test-jwt-secret-of-32-characters!';
const now = () => Math.floor(Date.now() / 1000);
const hs256 = (payload: JWTPayload, secret = SECRET) =>
  new SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
const bearer = (token: string) => new Headers({ authorization: `Bearer ${token}` });
const reason = (caller: Caller) => (caller.kind === 'refused' ? caller.reason : caller.kind);

describe('Authenticator', () => {
  let dir: string;
  let keys: ApiKeyStore;
  const minted = {
    live: mintApiKey('live', ['reports:read']),
    revoked: mintApiKey('revoked', []),
    expired: mintApiKey('expired', [], { expiresAt: new Date(Date.now() - 1000) }),
  };
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'auth-test-'));
    const file = path.join(dir, 'keys.json');
    await writeFile(
      file,
      JSON.stringify([
        minted.live.stored,
        { ...minted.revoked.stored, revokedAt: new Date().toISOString() },
        minted.expired.stored,
      ]),
    );
    keys = await ApiKeyStore.open(file);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('takes no credential as anonymous and a live API key as its principal', async () => {
    const auth = new Authenticator(keys);
    assert.deepEqual(await auth.authenticate(new Headers()), { kind: 'anonymous' });
    const caller = await auth.authenticate(new Headers({ 'x-api-key': minted.live.key }));
    assert.equal(caller.kind, 'principal');
    assert.deepEqual(caller.kind === 'principal' && caller.principal, {
      kind: 'api-key',
      id: `key:${minted.live.stored.id}`,
      scopes: ['reports:read'],
    });
  });

  it('EXPECTED FAILURE - refuses an unknown, a revoked and an expired API key, each with its reason', async () => {
    const auth = new Authenticator(keys);
    const of = (key: string) => auth.authenticate(new Headers({ 'x-api-key': key })).then(reason);
    assert.equal(await of('ca_nope'), 'invalid_api_key');
    assert.equal(await of(minted.revoked.key), 'revoked');
    assert.equal(await of(minted.expired.key), 'key_expired');
  });

  it('EXPECTED FAILURE - refuses any bearer token when JWT is not configured, and two credentials at once', async () => {
    const auth = new Authenticator(keys);
    assert.equal(
      reason(await auth.authenticate(bearer(await hs256({ sub: 'a', exp: now() + 60 })))),
      'bearer_not_accepted',
    );
    assert.equal(
      reason(await auth.authenticate(new Headers({ authorization: 'Bearer whatever' }))),
      'bearer_not_accepted',
    );
    const both = new Headers({ 'x-api-key': minted.live.key, authorization: 'Bearer x.y.z' });
    assert.equal(reason(await auth.authenticate(both)), 'ambiguous');
  });

  it('verifies an HS256 JWT: the principal is the hashed subject with its scopes', async () => {
    const auth = new Authenticator(keys, { secret: SECRET, issuer: 'idp', audience: 'cityassist' });
    const token = await hs256({
      sub: 'alice',
      scope: 'reports:write reports:read',
      iss: 'idp',
      aud: 'cityassist',
      exp: now() + 60,
    });
    const caller = await auth.authenticate(bearer(token));
    assert.equal(caller.kind, 'principal');
    if (caller.kind !== 'principal') return;
    assert.match(caller.principal.id, /^jwt:[0-9a-f]{16}$/);
    assert.ok(!caller.principal.id.includes('alice'), 'the raw subject never becomes the id');
    assert.deepEqual(caller.principal.scopes, ['reports:write', 'reports:read']);
    const again = await auth.authenticate(
      bearer(await hs256({ sub: 'alice', iss: 'idp', aud: 'cityassist', exp: now() + 120 })),
    );
    assert.equal(
      again.kind === 'principal' && again.principal.id,
      caller.principal.id,
      'one subject, one id',
    );
  });

  it('EXPECTED FAILURE - refuses each bad JWT with its own reason', async () => {
    const auth = new Authenticator(keys, { secret: SECRET, issuer: 'idp', audience: 'cityassist' });
    const claims = { sub: 'alice', iss: 'idp', aud: 'cityassist' };
    const cases: [string, Promise<string> | string][] = [
      ['expired', hs256({ ...claims, exp: now() - 60 })],
      ['missing_expiry', hs256(claims)],
      ['bad_signature', hs256({ ...claims, exp: now() + 60 }, 'another-secret-of-at-least-32-characters')],
      ['wrong_issuer', hs256({ ...claims, iss: 'evil', exp: now() + 60 })],
      ['wrong_audience', hs256({ ...claims, aud: 'other', exp: now() + 60 })],
      ['not_yet_valid', hs256({ ...claims, exp: now() + 600, nbf: now() + 300 })],
      ['malformed', 'not.a.jwt'],
      ['malformed', 'abc'],
    ];
    for (const [expected, token] of cases) {
      assert.equal(reason(await auth.authenticate(bearer(await token))), expected, expected);
    }
    assert.equal(
      reason(await auth.authenticate(new Headers({ authorization: 'Basic dXNlcjpwYXNz' }))),
      'unsupported_scheme',
    );
  });

  it('accepts a JWT without exp only when JWT_ALLOW_NO_EXPIRY says so', async () => {
    const auth = new Authenticator(keys, { secret: SECRET, allowNoExpiry: true });
    assert.equal((await auth.authenticate(bearer(await hs256({ sub: 'svc' })))).kind, 'principal');
  });

  it('EXPECTED FAILURE - 50 tokens with unknown kids fetch the JWKS at most twice, and are refused', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'real', alg: 'RS256', use: 'sig' };
    let fetches = 0;
    const jwksFetch = (() => {
      fetches += 1;
      return Promise.resolve(Response.json({ keys: [jwk] }));
    }) as unknown as typeof fetch;
    const auth = new Authenticator(keys, {
      jwksUrl: 'https://idp.test/jwks.json',
      jwksCooldownMs: 60_000,
      jwksFetch,
    });
    const rs256 = (kid: string) =>
      new SignJWT({ sub: 'bob', exp: now() + 60 }).setProtectedHeader({ alg: 'RS256', kid }).sign(privateKey);
    assert.equal((await auth.authenticate(bearer(await rs256('real')))).kind, 'principal');
    for (let i = 0; i < 50; i++) {
      assert.equal(reason(await auth.authenticate(bearer(await rs256(`random-${i}`)))), 'unknown_key');
    }
    assert.ok(fetches <= 2, `${fetches} JWKS fetches`);
  });
});
