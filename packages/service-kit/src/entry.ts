/**
 * What a service's main.ts imports before anything else: starting a service and its tracing, and
 * nothing that loads a module tracing patches (the package's index loads express, graphql and
 * node:http, which must come after startTelemetry; see telemetry/start.ts).
 */
export { runMain } from './shutdown.ts';
export { startTelemetry, type StopTelemetry, type TelemetryOptions } from './telemetry/start.ts';
