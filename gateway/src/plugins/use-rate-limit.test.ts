import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startAuthGateway as start, token } from '../testing/auth-gateway.ts';

describe('useRateLimit', () => {
  it('EXPECTED FAILURE - without JWT configured, rotating bearer tokens open no buckets: every one is refused', async () => {
    await using gw = start({ ipPoints: 5 });
    const statuses = new Set<number>();
    for (let i = 0; i < 20; i++) {
      statuses.add(
        (await gw.graphql({ query: '{ reportCount }' }, { authorization: `Bearer rotating-${i}` })).status,
      );
    }
    // Refused credentials count against the address: after 5 they are throttled as well.
    assert.deepEqual([...statuses].sort(), [401, 429]);
    assert.equal(gw.upstream.length, 0);
  });

  it('EXPECTED FAILURE - many tokens of one subject share one bucket', async () => {
    await using gw = start({ jwt: true, keyPoints: 10 });
    let served = 0;
    for (let i = 0; i < 30; i++) {
      const res = await gw.graphql(
        { query: '{ reportCount }' },
        { authorization: `Bearer ${await token('carol', '', Math.floor(Date.now() / 1000) + 300 + i)}` },
      );
      if (res.status === 200) served += 1;
      else assert.equal(res.body.errors[0].extensions.code, 'RATE_LIMITED');
    }
    assert.equal(served, 10);
  });

  it('keeps a separate bucket per subject and one per anonymous address', async () => {
    await using gw = start({ jwt: true, keyPoints: 2, ipPoints: 2 });
    const as = async (sub?: string) =>
      (
        await gw.graphql(
          { query: '{ reportCount }' },
          sub ? { authorization: `Bearer ${await token(sub)}` } : {},
        )
      ).status;
    assert.deepEqual([await as('d'), await as('d'), await as('d')], [200, 200, 429]);
    assert.deepEqual([await as('e'), await as(), await as(), await as()], [200, 200, 200, 429]);
  });
});
