import path from 'node:path';
import { z } from 'zod';

/** Raised when the environment holds a bad setting; the message names every offending variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Reads the settings of a service from the environment once, validates them and freezes the result.
 * A bad value stops the start with a message naming the variable (fastify's
 * initial-config-validation does the same), rather than failing later at first use.
 */
export function readConfig<S extends z.ZodRawShape>(
  shape: S,
  env: NodeJS.ProcessEnv = process.env,
): Readonly<z.infer<z.ZodObject<S>>> {
  // Treat empty strings as unset, so `FOO= npm start` means "use the default".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = z.object(shape).safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = issue.path.join('.');
      const value = cleaned[name];
      return `  ${name}: ${issue.message}${value === undefined ? '' : ` (got ${JSON.stringify(value)})`}`;
    });
    throw new ConfigError(`Invalid settings:\n${lines.join('\n')}`);
  }
  return Object.freeze(parsed.data);
}

/** Common setting types, so every service spells them the same way. */
export const setting = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  host: (fallback = '127.0.0.1') => z.string().min(1).default(fallback),
  url: () => z.url({ protocol: /^https?$/ }),
  databaseUrl: () =>
    z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' }),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  positiveInt: (fallback: number) => z.coerce.number().int().positive().default(fallback),
  /** A boolean with no default, for settings whose default depends on another setting. */
  optionalBool: () =>
    z
      .enum(['true', 'false', '1', '0'])
      .optional()
      .transform((v) => (v === undefined ? undefined : v === 'true' || v === '1')),
  bool: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0'])
      .default(fallback ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1'),
};

/**
 * The shared secret the gateway sends in `x-gateway-secret`; subgraphs refuse requests without it,
 * so they can't be reached around the gateway. Required (32+ characters) when NODE_ENV=production;
 * unset in development means "accept anyone" with a warning. `npm start` makes one per run.
 */
export const trustSettings = {
  GATEWAY_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
};

export function gatewaySecretOf(env: {
  GATEWAY_SECRET?: string | undefined;
  NODE_ENV: string;
}): string | undefined {
  if (env.NODE_ENV === 'production' && !env.GATEWAY_SECRET) {
    throw new ConfigError('Invalid settings:\n  GATEWAY_SECRET: required when NODE_ENV=production');
  }
  return env.GATEWAY_SECRET;
}

/** Redis for events across replicas (subscriptions) and caches. Unset: in-process, one replica. */
export const redisSettings = {
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).optional(),
};

/**
 * The drift settings of every service that serves a model (predictions; reports for the image
 * model): the same names, defaults and meaning wherever a DriftMonitor runs.
 */
export const driftSettings = {
  /** PSI from which a feature's drift is WARNING. Default 0.1. */
  DRIFT_WARNING_PSI: z.coerce.number().positive().default(0.1),
  /** PSI from which a feature's drift is DRIFT (predictions records a retraining trigger). Default 0.25. */
  DRIFT_PSI: z.coerce.number().positive().default(0.25),
  /** Distinct input rows in the drift window. Default 2000. */
  DRIFT_WINDOW: z.coerce.number().int().positive().default(2000),
  /** Rows the window needs before drift is computed. Default 200. */
  DRIFT_MIN_ROWS: z.coerce.number().int().positive().default(200),
};

/** The prediction cache of every service that serves a model (outputs by version + input hash). */
export const predictionCacheSettings = {
  /** Seconds a prediction stays cached (Redis with REDIS_URL, else in process); 0 = off. Default 300. */
  PREDICTION_CACHE_TTL_SECONDS: z.coerce.number().int().min(0).default(300),
};

/** The DriftMonitor options from the validated drift settings. */
export function driftOf(env: {
  DRIFT_WARNING_PSI: number;
  DRIFT_PSI: number;
  DRIFT_WINDOW: number;
  DRIFT_MIN_ROWS: number;
}): { warning: number; drift: number; window: number; minRows: number } {
  return {
    warning: env.DRIFT_WARNING_PSI,
    drift: env.DRIFT_PSI,
    window: env.DRIFT_WINDOW,
    minRows: env.DRIFT_MIN_ROWS,
  };
}

/** The storage settings every subgraph shares: Postgres when DATABASE_URL is set, PGlite otherwise. */
export const databaseSettings = {
  /** Postgres URL. Unset: embedded PGlite under DATA_DIR. */
  DATABASE_URL: setting.databaseUrl().optional(),
  /** Folder for embedded data (`<DATA_DIR>/<service>`); `memory://` keeps nothing. Default `.data`. */
  DATA_DIR: z.string().default('.data'),
};

export function databaseOf(
  env: { DATABASE_URL?: string | undefined; DATA_DIR: string },
  service: string,
): { url: string } | { dataDir: string } {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL };
  return { dataDir: env.DATA_DIR === 'memory://' ? env.DATA_DIR : path.resolve(env.DATA_DIR, service) };
}
