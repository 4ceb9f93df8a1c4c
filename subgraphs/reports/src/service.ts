import path from 'node:path';
import { migrate, openDatabase } from '@cityassist/db';
import { createEventBus } from '@cityassist/events';
import { ZoneIndex } from '@cityassist/geo';
import { createMetrics, startSubgraphServer, type Logger, type RunningServer } from '@cityassist/service-kit';
import DataLoader from 'dataloader';
import type { ReportsConfig } from './config.ts';
import type { ReportsContext } from './context.ts';
import { ReportRepository } from './report/report.repository.ts';
import type { CitizenReport, ReportStatus } from './report/report.type.ts';
import { buildReportsSchema } from './schema.ts';

export async function startReportsService(config: ReportsConfig, logger: Logger): Promise<RunningServer> {
  const zones = await ZoneIndex.fromFile(config.zonesFile);
  const events = await createEventBus(config.redisUrl);
  const db = await openDatabase(config.database);
  try {
    const applied = await migrate(db, {
      dir: path.join(import.meta.dirname, 'migrations'),
      schema: 'reports',
    });
    if (applied.length) logger.info({ applied }, 'migrations applied');
    const reports = new ReportRepository(db);
    const server = await startSubgraphServer<ReportsContext>({
      name: 'reports',
      schema: await buildReportsSchema(events.pubSub),
      subscriptions: true,
      host: config.host,
      port: config.port,
      logger,
      gatewaySecret: config.gatewaySecret,
      metrics: createMetrics('reports'),
      readiness: { database: () => db.ping(), events: () => events.ping() },
      context: (base) => {
        const loaders = new Map<ReportStatus | null, DataLoader<string, CitizenReport[]>>();
        return {
          ...base,
          reports,
          zones,
          events,
          reportsByZone(status) {
            let loader = loaders.get(status);
            if (!loader) {
              loader = new DataLoader((ids) => reports.byZones(ids, status));
              loaders.set(status, loader);
            }
            return loader;
          },
        };
      },
    });
    return {
      ...server,
      async close() {
        await server.close();
        await db.close();
        await events.close();
      },
    };
  } catch (err) {
    await db.close();
    await events.close();
    throw err;
  }
}
