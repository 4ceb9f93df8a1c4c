import { z } from 'zod';
import { readConfig } from '../config.ts';

/**
 * The standard OpenTelemetry variables tracing reads (opentelemetry.io/docs/specs/otel/configuration/
 * sdk-environment-variables), checked at start like every other setting: the SDK itself only logs a
 * diag warning for a bad value and falls back, so a typo in a sampler or protocol would otherwise
 * trace something else than asked, silently. The SDK still reads them itself; nothing is renamed.
 */
export const telemetrySettings = {
  /** Base URL of the OTLP receiver (`/v1/traces` is appended). Unset, with the next one: tracing off. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  /** Full URL for traces only, taken as is; wins over OTEL_EXPORTER_OTLP_ENDPOINT. */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  /** `http/protobuf` (the SDK's default), `http/json` or `grpc`. */
  OTEL_EXPORTER_OTLP_PROTOCOL: z.enum(['http/protobuf', 'http/json', 'grpc']).optional(),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: z.enum(['http/protobuf', 'http/json', 'grpc']).optional(),
  /** The resource's `service.name`. Default: the service's own name (`gateway`, `zones`, …). */
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  /** Default `parentbased_always_on`: a trace the caller sampled is sampled here too. */
  OTEL_TRACES_SAMPLER: z
    .enum([
      'always_on',
      'always_off',
      'traceidratio',
      'parentbased_always_on',
      'parentbased_always_off',
      'parentbased_traceidratio',
    ])
    .optional(),
  /** The ratio of the `traceidratio` samplers, 0–1. */
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).optional(),
  /** `none` turns tracing off even with an endpoint set. Only `otlp` is exported otherwise. */
  OTEL_TRACES_EXPORTER: z.enum(['otlp', 'none']).optional(),
  /** `true` turns the whole SDK off (the specification's kill switch). */
  OTEL_SDK_DISABLED: z.enum(['true', 'false']).optional(),
};

export type SamplerName = NonNullable<z.infer<typeof telemetrySettings.OTEL_TRACES_SAMPLER>>;

/** What the settings say tracing should do: off, or on with the service name spans carry and the sampler. */
export type TelemetryPlan =
  | { enabled: false }
  | { enabled: true; serviceName: string; endpoint: string; sampler: SamplerName; ratio: number };

/**
 * Tracing is on only when an OTLP endpoint is set (and neither OTEL_SDK_DISABLED nor
 * OTEL_TRACES_EXPORTER=none says otherwise): with nowhere to send spans, no SDK, exporter or
 * module hook is started at all, so an untraced service pays nothing for it. A bad value throws
 * a ConfigError naming the variable.
 */
export function telemetryPlan(serviceName: string, env: NodeJS.ProcessEnv = process.env): TelemetryPlan {
  const s = readConfig(telemetrySettings, env);
  const endpoint = s.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? s.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint || s.OTEL_SDK_DISABLED === 'true' || s.OTEL_TRACES_EXPORTER === 'none') {
    return { enabled: false };
  }
  return {
    enabled: true,
    serviceName: s.OTEL_SERVICE_NAME ?? serviceName,
    endpoint,
    // The specification's defaults, as the SDK would apply them.
    sampler: s.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on',
    ratio: s.OTEL_TRACES_SAMPLER_ARG ?? 1,
  };
}
