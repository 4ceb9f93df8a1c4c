import type { Logger } from 'pino';
import type { ForwardedPrincipal } from './gateway-trust.ts';

/** What every subgraph's GraphQL context carries; services extend it with their loaders. */
export interface BaseContext {
  requestId: string;
  logger: Logger;
  /** Who called, as the gateway authenticated them; undefined when anonymous. */
  principal?: ForwardedPrincipal | undefined;
}
