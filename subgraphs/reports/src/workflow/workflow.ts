import { ReportStatus } from '../report/report.enums.ts';

const { OPEN, TRIAGED, IN_PROGRESS, RESOLVED, REJECTED } = ReportStatus;

/**
 * Where a report may go from each status (issue 5, point 5):
 *
 *   OPEN ──► TRIAGED ──► IN_PROGRESS ──► RESOLVED
 *     │         │             │
 *     └─────────┴─────────────┴────────► REJECTED
 *
 * RESOLVED and REJECTED are final. OPEN → TRIAGED is done by the image model (confident, and the
 * citizen's category agrees) or by a person.
 */
export const NEXT: Record<ReportStatus, readonly ReportStatus[]> = {
  [OPEN]: [TRIAGED, REJECTED],
  [TRIAGED]: [IN_PROGRESS, REJECTED],
  [IN_PROGRESS]: [RESOLVED, REJECTED],
  [RESOLVED]: [],
  [REJECTED]: [],
};

export function canTransition(from: ReportStatus, to: ReportStatus): boolean {
  return NEXT[from].includes(to);
}
