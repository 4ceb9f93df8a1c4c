import { Logger, type LogLevel, type LogWriter } from '@graphql-hive/logger';
import { activeTraceIds, stackFrames } from '@cityassist/service-kit';

type Attributes = Parameters<LogWriter['write']>[1];

/** What the runtime attaches to an error it logs that may hold a client's data or variables. */
const PRIVATE_KEYS = new Set(['request', 'response', 'variables', 'body', 'query']);

/**
 * The gateway's log lines in the shape of the subgraphs' (service-kit's createLogger): `time`,
 * `level`, `service`, `msg`, `requestId`, `traceId` and `spanId` inside a traced request (the span
 * active when the line is written: Hive's plugin keeps it in the context), then attributes. An
 * error the runtime logs is reduced to its name, message, code and stack frames: never the
 * upstream request or its variables.
 */
export class GatewayLogWriter implements LogWriter {
  constructor(private readonly out: (line: string) => void = (line) => process.stdout.write(line)) {}

  write(level: LogLevel, attrs: Attributes, msg: string | null | undefined): void {
    const { service, requestId, ...rest } = (attrs ?? {}) as Record<string, unknown>;
    const fields = clean(rest, 0) as Record<string, unknown>;
    const message = msg ?? (typeof fields['message'] === 'string' ? fields['message'] : '');
    if (!msg) delete fields['message'];
    this.out(
      `${JSON.stringify({
        time: new Date().toISOString(),
        level,
        service,
        msg: message,
        ...(requestId ? { requestId } : {}),
        ...activeTraceIds(),
        ...fields,
      })}\n`,
    );
  }
}

function clean(value: unknown, depth: number): unknown {
  if (value instanceof Error) {
    return {
      name: value.name,
      message: value.message,
      ...(value.stack ? { stack: stackFrames(value.stack) } : {}),
    };
  }
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.slice(0, 20).map((v) => clean(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (PRIVATE_KEYS.has(key)) continue;
    if (key === 'level') out['attrLevel'] = inner;
    else if (key === 'stack' && typeof inner === 'string') out['stack'] = stackFrames(inner);
    else out[key] = clean(inner, depth + 1);
  }
  return out;
}

/** The gateway's logger; `false` is silent. */
export function createGatewayLogger(level: LogLevel | false): Logger {
  // Hive's own modules read LOG_LEVEL themselves and know only trace…error: hand them the level this
  // gateway settled on, so `LOG_LEVEL=silent` (or fatal) works as in the subgraphs.
  process.env['LOG_LEVEL'] = level === false ? 'error' : level;
  return new Logger({ level, writers: [new GatewayLogWriter()], attrs: { service: 'gateway' } });
}
