export {
  readConfig,
  setting,
  ConfigError,
  databaseSettings,
  databaseOf,
  trustSettings,
  redisSettings,
  gatewaySecretOf,
} from './config.ts';
export { createLogger, routeConsole, serializeError, stackFrames, type Logger } from './logger.ts';
export { createMetrics, type ServiceMetrics } from './metrics.ts';
export { defineErrors, commonErrors, type ErrorSpec } from './errors.ts';
export type { BaseContext } from './context.ts';
export { buildFederatedSchema } from './subgraph-schema.ts';
export {
  startSubgraphServer,
  requestIdOf,
  REQUEST_ID_HEADER,
  type RunningServer,
} from './subgraph-server.ts';
export { runChecks, type ReadinessCheck } from './probes.ts';
export {
  GATEWAY_SECRET_HEADER,
  PRINCIPAL_HEADER,
  principalOf,
  requireGateway,
  type ForwardedPrincipal,
} from './gateway-trust.ts';
export { onShutdown, runMain } from './shutdown.ts';
export { encodeCursor, decodeCursor } from './cursor.ts';
export { loaderFamily } from './loader-family.ts';
export { postGraphQL, type GraphQLResponse } from './testing.ts';
