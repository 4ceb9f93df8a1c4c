import path from 'node:path';
import { migrate, openDatabase } from '@cityassist/db';
import { createEventBus } from '@cityassist/events';
import { ZoneIndex } from '@cityassist/geo';
import {
  createMetrics,
  loaderFamily,
  startSubgraphServer,
  type Logger,
  type RunningServer,
} from '@cityassist/service-kit';
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
      context: (base) => ({
        ...base,
        reports,
        zones,
        events,
        reportsByZone: loaderFamily(
          (status: ReportStatus | null) =>
            new DataLoader<string, CitizenReport[]>((ids) => reports.byZones(ids, status)),
        ),
      }),
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
