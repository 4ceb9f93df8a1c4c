import type { EventBus } from '@cityassist/events';
import type { ZoneIndex } from '@cityassist/geo';
import type { BaseContext } from '@cityassist/service-kit';
import type DataLoader from 'dataloader';
import type { ReportRepository } from './report/report.repository.ts';
import type { CitizenReport, ReportStatus } from './report/report.type.ts';

export interface ReportsContext extends BaseContext {
  reports: ReportRepository;
  zones: ZoneIndex;
  events: EventBus;
  /** Per request and per status filter: Zone.reports for N zones is one query. */
  reportsByZone(status: ReportStatus | null): DataLoader<string, CitizenReport[]>;
}
