import { DEFAULT_ZONES_FILE } from '@cityassist/geo';
import {
  databaseOf,
  databaseSettings,
  gatewaySecretOf,
  readConfig,
  setting,
  shutdownSettings,
  trustSettings,
} from '@cityassist/service-kit';
import { z } from 'zod';

/** Every setting this service reads, by environment variable. */
export const settings = {
  ZONES_HOST: setting.host(),
  /** Port of the zones subgraph. Default 4001; 0 picks a free one (tests). */
  ZONES_PORT: setting.port(4001),
  ...databaseSettings,
  ...trustSettings,
  ...shutdownSettings,
  /** GeoJSON the zone table is seeded from. Default: the committed Olinda extract. */
  ZONES_FILE: z.string().default(DEFAULT_ZONES_FILE),
  LOG_LEVEL: setting.logLevel(),
};

/**
 * The service's settings from an environment (default: the process's), validated and frozen. Pure:
 * tests call it with the variables they care about and get every other default as production does.
 */
export function parseConfig(source: NodeJS.ProcessEnv = process.env) {
  const env = readConfig(settings, source);
  return Object.freeze({
    host: env.ZONES_HOST,
    port: env.ZONES_PORT,
    database: databaseOf(env, 'zones'),
    gatewaySecret: gatewaySecretOf(env),
    zonesFile: env.ZONES_FILE,
    shutdownDelayMs: env.SHUTDOWN_DELAY_MS,
    logLevel: env.LOG_LEVEL,
  });
}

export type ZonesConfig = ReturnType<typeof parseConfig>;
