import type { TestDatabase } from '@cityassist/db';
import { TEST_ENV } from '@cityassist/service-kit/testing';
import { parseConfig, type ZonesConfig } from './config.ts';

/** The service's settings for a test: production's defaults on the given database, any port. */
export function testConfig(database: TestDatabase, env: Record<string, string> = {}): ZonesConfig {
  return { ...parseConfig({ ...TEST_ENV, ZONES_PORT: '0', ...env }), database };
}
