import type { EventBus } from '@cityassist/events';
import type { ZoneIndex } from '@cityassist/geo';
import type { BaseContext } from '@cityassist/service-kit';
import type DataLoader from 'dataloader';
import type { ReportIntake } from './report/report-intake.ts';
import type { ReportRepository } from './report/report.repository.ts';
import type { CitizenReport, ReportStatus } from './report/report.type.ts';
import type { ObjectStore } from './storage/object-store.ts';
import type { WorkflowRepository } from './workflow/workflow.repository.ts';
import type { ReportTransition } from './workflow/workflow.type.ts';

export interface ReportsContext extends BaseContext {
  reports: ReportRepository;
  zones: ZoneIndex;
  events: EventBus;
  /** Where photos and heatmaps are. */
  store: ObjectStore;
  intake: ReportIntake;
  workflow: WorkflowRepository;
  /**
   * The request's `Idempotency-Key` header as it came (undefined without one), set by
   * idempotencyKeyHeaderPlugin before any resolver runs.
   */
  idempotencyKeyHeader?: string | undefined;
  /** Per request and per status filter: Zone.reports for N zones is one query. */
  reportsByZone(status: ReportStatus | null): DataLoader<string, CitizenReport[]>;
  /** Per request: CitizenReport.history for N reports is one query. */
  historyByReport: DataLoader<string, ReportTransition[]>;
}
