import { format } from 'node:util';
import { pino, type Logger } from 'pino';
import { activeTraceIds } from './telemetry/trace-ids.ts';

export type { Logger } from 'pino';

/**
 * The log line every service writes, gateway included: one JSON object per line with `time` (ISO
 * 8601), `level` (its name), `service`, `msg`, `requestId` inside a request, `traceId` and `spanId`
 * inside a traced one (docs/tracing.md), then the line's own attributes. Personal data never goes
 * in raw: user ids are hashed by the caller (see hashId) and request bodies and variables are not
 * logged.
 */
export function createLogger(service: string, level: string): Logger {
  return pino({
    level,
    base: { service },
    messageKey: 'msg',
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      // An attribute called `level` would make a second `level` key beside the line's own.
      log: (attrs) => ('level' in attrs ? renameLevel(attrs) : attrs),
    },
    serializers: { err: serializeError },
    // Read at each line from the active span, so a line written anywhere under a request's span (a
    // resolver, a repository, a model call) names the trace and the span it belongs to. A fresh
    // object each time: pino merges the line's own attributes into it.
    mixin: () => activeTraceIds() ?? {},
  });
}

const renameLevel = ({ level, ...rest }: Record<string, unknown>) => ({ ...rest, attrLevel: level });

/**
 * An error as a log attribute: name, message, code and the stack as a list of frames, so a stack
 * never spreads one event over many lines of a log viewer.
 */
export function serializeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) };
  const code = (err as { code?: unknown }).code;
  return {
    name: err.name,
    message: err.message,
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    ...(err.stack ? { stack: stackFrames(err.stack) } : {}),
  };
}

/** The `at …` lines of a stack, trimmed, at most 12. */
export function stackFrames(stack: string): string[] {
  return stack
    .split('\n')
    .slice(1)
    .map((line) => line.trim())
    .filter((line) => line.startsWith('at '))
    .slice(0, 12);
}

/**
 * Routes what libraries print with console.log/info/warn/error (deprecation notices, warnings)
 * into the service's JSON log, so stdout carries one shape of line only.
 */
export function routeConsole(log: {
  info(attrs: object, msg: string): void;
  warn(attrs: object, msg: string): void;
  error(attrs: object, msg: string): void;
}): void {
  const to =
    (write: (attrs: object, msg: string) => void) =>
    (...args: unknown[]) =>
      write({ source: 'console' }, format(...args));
  console.log = to(log.info.bind(log));
  console.info = to(log.info.bind(log));
  console.warn = to(log.warn.bind(log));
  console.error = to(log.error.bind(log));
}
