import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startAuthGateway as start, token } from '../testing/auth-gateway.ts';

describe('useAuth', () => {
  it('EXPECTED FAILURE - refuses an unverified credential with 401, a reason and WWW-Authenticate, before parsing', async () => {
    await using gw = start({ jwt: true });
    const expired = await token('alice', '', Math.floor(Date.now() / 1000) - 10);
    const res = await gw.graphql({ query: '{ reportCount }' }, { authorization: `Bearer ${expired}` });
    assert.equal(res.status, 401);
    assert.equal(res.body.errors[0].extensions.code, 'UNAUTHENTICATED');
    assert.equal(res.body.errors[0].extensions.reason, 'expired');
    assert.match(res.headers.get('www-authenticate')!, /error="invalid_token"/);
    assert.equal(gw.upstream.length, 0);
  });

  it('EXPECTED FAILURE - names the scope a field needs, 401 for the anonymous and 403 for a caller without it', async () => {
    await using gw = start({ jwt: true });
    const anonymous = await gw.graphql({ query: '{ report(id: "1") { id description } }' });
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body.errors[0].extensions.code, 'UNAUTHORIZED_FIELD_OR_TYPE');
    assert.deepEqual(anonymous.body.errors[0].extensions.requiredScopes, [['reports:read']]);
    assert.match(anonymous.body.errors[0].message, /Report\.description needs scope reports:read/);
    const unscoped = await gw.graphql(
      { query: '{ report(id: "1") { id description } }' },
      { authorization: `Bearer ${await token('bob')}` },
    );
    assert.equal(unscoped.status, 403);
    assert.deepEqual(unscoped.body.errors[0].path, ['report', 'description']);
    const scoped = await gw.graphql(
      { query: '{ report(id: "1") { id description } }' },
      { authorization: `Bearer ${await token('bob', 'reports:read')}` },
    );
    assert.deepEqual(scoped.body.data, { report: { id: '1', description: 'text' } });
  });
});
