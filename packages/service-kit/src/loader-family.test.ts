import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loaderFamily } from './loader-family.ts';

describe('loaderFamily', () => {
  it('makes one loader per distinct argument, compared by key', () => {
    let made = 0;
    const family = loaderFamily(
      (at?: Date) => ({ at, id: ++made }),
      (at) => at?.getTime(),
    );
    const a = family(new Date('2015-03-15T16:00:00Z'));
    assert.equal(family(new Date('2015-03-15T16:00:00Z')), a, 'equal dates share a loader');
    assert.notEqual(family(undefined), a);
    assert.equal(family(undefined), family(undefined));
    assert.equal(made, 2);
  });
});
