import path from 'node:path';
import { migrate, openDatabase } from '@cityassist/db';
import { createMetrics, startSubgraphServer, type Logger, type RunningServer } from '@cityassist/service-kit';
import DataLoader from 'dataloader';
import type { ZonesConfig } from './config.ts';
import type { ZonesContext } from './context.ts';
import { buildZonesSchema } from './schema.ts';
import { ZoneRepository } from './zone/zone.repository.ts';

/** Opens the database, migrates and seeds it, and serves the subgraph. `close` undoes all of it. */
export async function startZonesService(config: ZonesConfig, logger: Logger): Promise<RunningServer> {
  const db = await openDatabase(config.database);
  try {
    const applied = await migrate(db, { dir: path.join(import.meta.dirname, 'migrations'), schema: 'zones' });
    if (applied.length) logger.info({ applied }, 'migrations applied');
    const zones = new ZoneRepository(db);
    const seeded = await zones.seed(config.zonesFile);
    logger.info(seeded, seeded.loaded ? 'zones loaded from extract' : 'zones already current');

    const server = await startSubgraphServer<ZonesContext>({
      name: 'zones',
      schema: await buildZonesSchema(),
      host: config.host,
      port: config.port,
      logger,
      gatewaySecret: config.gatewaySecret,
      shutdownDelayMs: config.shutdownDelayMs,
      metrics: createMetrics('zones'),
      readiness: { database: () => db.ping() },
      context: (base) => ({ ...base, zones, zoneById: new DataLoader((ids) => zones.byIds(ids)) }),
    });
    return {
      ...server,
      async close() {
        await server.close();
        await db.close();
      },
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}
