export {
  readConfig,
  setting,
  ConfigError,
  databaseSettings,
  databaseOf,
  trustSettings,
  redisSettings,
  driftSettings,
  predictionCacheSettings,
  driftOf,
  gatewaySecretOf,
} from './config.ts';
export { startTelemetry, type StopTelemetry, type TelemetryOptions } from './telemetry/start.ts';
export { telemetrySettings, telemetryPlan, type TelemetryPlan } from './telemetry/settings.ts';
export { tracer, tracingEnabled, withSpan, type SpanOptions } from './telemetry/span.ts';
// What withSpan's options and attributes are made of, so callers need no import of the API.
export { SpanKind, type Attributes, type Span } from '@opentelemetry/api';
export { activeTraceIds } from './telemetry/trace-ids.ts';
export type { InstrumentationName } from './telemetry/instrumentations.ts';
export { createLogger, routeConsole, serializeError, stackFrames, type Logger } from './logger.ts';
export { collectProcessMetrics, createMetrics, memoryLimitBytes, type ServiceMetrics } from './metrics.ts';
export { defineErrors, commonErrors, unavailableDependencyOf, type ErrorSpec } from './errors.ts';
export { OutageLog, type OutageLogger } from './outage-log.ts';
export {
  drainHttpServer,
  trackWsOperations,
  DRAIN_TIMEOUT_MS,
  type DrainOptions,
  type DrainSteps,
  type HttpDrain,
} from './drain.ts';
export type { BaseContext } from './context.ts';
export { buildFederatedSchema } from './subgraph-schema.ts';
export {
  startSubgraphServer,
  requestIdOf,
  REQUEST_ID_HEADER,
  type RunningServer,
} from './subgraph-server.ts';
export { runChecks, SHUTTING_DOWN_BODY, type ReadinessCheck } from './probes.ts';
export {
  GATEWAY_SECRET_HEADER,
  PRINCIPAL_HEADER,
  principalOf,
  requireGateway,
  type ForwardedPrincipal,
} from './gateway-trust.ts';
export {
  onShutdown,
  runMain,
  shutdownSettings,
  shutdownDelayMs,
  SHUTDOWN_GRACE_MS,
  type ShutdownLogger,
} from './shutdown.ts';
export { encodeCursor, decodeCursor } from './cursor.ts';
export { loaderFamily } from './loader-family.ts';
export { postGraphQL, type GraphQLResponse } from './testing.ts';
export { discardUpload } from './discard-upload.ts';
