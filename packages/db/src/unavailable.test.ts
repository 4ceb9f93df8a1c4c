import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyDatabaseError, DatabaseUnavailableError, isDatabaseUnavailable } from './unavailable.ts';

const coded = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  for (const [label, err] of [
    ['a refused connection', coded('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['a reset connection', coded('ECONNRESET', 'read ECONNRESET')],
    ['a connect timeout', coded('ETIMEDOUT')],
    ['an unreachable host', coded('EHOSTUNREACH')],
    ['a DNS server that does not answer', coded('EAI_AGAIN')],
    [
      'every address refusing (AggregateError)',
      new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')], ''),
    ],
    [
      'admin_shutdown (pg_ctl stop -m fast, failover)',
      coded('57P01', 'terminating connection due to administrator command'),
    ],
    ['crash_shutdown', coded('57P02')],
    ['cannot_connect_now (starting up)', coded('57P03', 'the database system is starting up')],
    ['too_many_connections', coded('53300', 'sorry, too many clients already')],
    ['a connection exception (class 08)', coded('08006', 'connection failure')],
    ['a connection lost mid-query', new Error('Connection terminated unexpectedly')],
    ['a pool connect timeout', new Error('Connection terminated due to connection timeout')],
    ['a pool checkout timeout', new Error('timeout exceeded when trying to connect')],
    [
      'a client that lost its connection',
      new Error('Client has encountered a connection error and is not queryable'),
    ],
    ['a closed PGlite', new Error('PGlite is closed')],
    ['a wrapped cause', new Error('query failed', { cause: coded('ECONNREFUSED') })],
  ] as const) {
    it(`says yes for ${label}`, () => {
      assert.equal(isDatabaseUnavailable(err), true);
      const classified = classifyDatabaseError(err);
      assert.ok(classified instanceof DatabaseUnavailableError);
      assert.equal(classified.dependencyUnavailable, 'database');
      assert.equal(classified.cause, err);
    });
  }

  for (const [label, err] of [
    ['a syntax error', coded('42601', 'syntax error at or near "selec"')],
    ['a unique violation', coded('23505', 'duplicate key value violates unique constraint')],
    ['a statement timeout', coded('57014', 'canceling statement due to statement timeout')],
    ['a serialization failure', coded('40001')],
    ['a host that does not exist (a wrong setting)', coded('ENOTFOUND')],
    ['a Node error code that merely starts with 08', coded('ERR_08X')],
    ['a WASM crash of PGlite', new Error('RuntimeError: unreachable')],
    ['not an error at all', 'ECONNREFUSED'],
  ] as const) {
    it(`says no for ${label}`, () => {
      assert.equal(isDatabaseUnavailable(err), false);
      assert.equal(classifyDatabaseError(err), err);
    });
  }
});
