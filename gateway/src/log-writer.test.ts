import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Logger } from '@graphql-hive/logger';
import { tracer } from '@cityassist/service-kit';
import { recordSpans } from '@cityassist/service-kit/telemetry/testing';
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

  it('names the trace and span active when a line is written inside a traced request, and nothing outside one', async () => {
    await using recorder = recordSpans();
    const lines: string[] = [];
    const log = new Logger({
      writers: [new GatewayLogWriter((l) => lines.push(l))],
      attrs: { service: 'gateway' },
    });
    log.info('outside');
    const ids = tracer.startActiveSpan('POST /graphql', (span) => {
      log.child({ requestId: 'r-2' }).info('request');
      span.end();
      return span.spanContext();
    });
    const [outside, inside] = lines.map((l) => JSON.parse(l));
    assert.equal(outside.traceId, undefined);
    assert.deepEqual(Object.keys(inside).slice(0, 7), [
      'time',
      'level',
      'service',
      'msg',
      'requestId',
      'traceId',
      'spanId',
    ]);
    assert.equal(inside.traceId, ids.traceId);
    assert.equal(inside.spanId, ids.spanId);
    assert.equal(recorder.named('POST /graphql').length, 1);
  });
});
