import { DEFAULT_ZONES_FILE } from '@cityassist/geo';
import {
  databaseOf,
  databaseSettings,
  gatewaySecretOf,
  readConfig,
  redisSettings,
  setting,
  trustSettings,
} from '@cityassist/service-kit';
import { z } from 'zod';

const env = readConfig({
  REPORTS_HOST: setting.host(),
  /** Port of the reports subgraph. Default 4002; 0 picks a free one (tests). */
  REPORTS_PORT: setting.port(4002),
  ...databaseSettings,
  ...trustSettings,
  ...redisSettings,
  /** Zone boundaries a report's zone is checked against. Default: the committed Olinda extract. */
  ZONES_FILE: z.string().default(DEFAULT_ZONES_FILE),
  LOG_LEVEL: setting.logLevel(),
});

export const config = Object.freeze({
  host: env.REPORTS_HOST,
  port: env.REPORTS_PORT,
  database: databaseOf(env, 'reports'),
  gatewaySecret: gatewaySecretOf(env),
  redisUrl: env.REDIS_URL,
  zonesFile: env.ZONES_FILE,
  logLevel: env.LOG_LEVEL,
});

export type ReportsConfig = typeof config;
