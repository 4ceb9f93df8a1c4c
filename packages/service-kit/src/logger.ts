import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * JSON-lines logger. Personal data never goes in here raw: user ids are hashed by the caller
 * (see hashId) and request bodies are not logged.
 */
export function createLogger(service: string, level: string): Logger {
  return pino({
    level,
    base: { service },
    messageKey: 'msg',
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
