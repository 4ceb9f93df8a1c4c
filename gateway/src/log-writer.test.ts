import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Logger } from '@graphql-hive/logger';
import { GatewayLogWriter } from './log-writer.ts';

describe('GatewayLogWriter', () => {
  it("writes the services' shape: time, level, service, msg, requestId, one line, no second level, no request body", () => {
    const lines: string[] = [];
    const log = new Logger({
      level: 'debug',
      writers: [new GatewayLogWriter((l) => lines.push(l))],
      attrs: { service: 'gateway' },
    });
    log
      .child({ requestId: 'r-1' })
      .warn({ level: 'DRIFT', extensions: { request: { body: 'secret' }, code: 'X' } }, 'hello');
    log.error(new RangeError('boom'));
    assert.equal(lines.length, 2);
    const [first, second] = lines.map((l) => {
      assert.ok(l.endsWith('\n') && !l.slice(0, -1).includes('\n'), 'one line each');
      return JSON.parse(l);
    });
    assert.deepEqual(Object.keys(first).slice(0, 5), ['time', 'level', 'service', 'msg', 'requestId']);
    assert.equal(first.level, 'warn');
    assert.equal(first.attrLevel, 'DRIFT');
    assert.deepEqual(first.extensions, { code: 'X' });
    assert.equal(second.level, 'error');
    assert.equal(second.msg, 'boom');
    assert.ok(Array.isArray(second.stack) && second.stack.every((f: string) => f.startsWith('at ')));
  });
});
