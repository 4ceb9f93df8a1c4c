import type { Logger } from 'pino';

/** What every subgraph's GraphQL context carries; services extend it with their loaders. */
export interface BaseContext {
  requestId: string;
  logger: Logger;
}
