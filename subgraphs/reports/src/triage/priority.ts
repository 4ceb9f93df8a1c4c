import type { FloodLevelName } from '@cityassist/events';
import { ReportCategory } from '../report/report.enums.ts';

export enum ReportPriority {
  LOW = 'LOW',
  MEDIUM = 'MEDIUM',
  HIGH = 'HIGH',
  CRITICAL = 'CRITICAL',
}

/** Below this top-class probability the model's label is not acted on: a person decides. */
export const MIN_CONFIDENCE = 0.6;

/**
 * At or above this top-class probability (and only then) a triage may move a report to TRIAGED
 * without a person (issue 17 part 4). On image 1.1.0's held-out synthetic test scenes the gate
 * accepts and the confidence reaches it for most scenes (MODEL_CARD.md, "auto-triage").
 */
export const AUTO_TRIAGE_CONFIDENCE = 0.8;

/**
 * The label of a photo the model's out-of-distribution gate refused (image 1.1.0+): not a street
 * scene like the ones it was trained on, so none of its classes is trusted.
 */
export const UNKNOWN_LABEL = 'unknown';

export interface PriorityInput {
  /** The model's top class (pothole | garbage | fallen_tree | flooding | other), or `unknown`. */
  label: string;
  confidence: number;
  /** What the citizen chose, or null when they chose nothing. */
  category: ReportCategory | null;
  /** The zone's latest flood level, or null when none has been received (unknown). */
  floodLevel: FloodLevelName | null;
}

export interface PriorityDecision {
  priority: ReportPriority;
  /** True when the label is not to be acted on alone: unknown, low confidence, or photo and citizen disagree. */
  needsReview: boolean;
  /**
   * True when the model may move a report to TRIAGED without a person: the gate accepted the photo
   * (label not `unknown`), the confidence is at least AUTO_TRIAGE_CONFIDENCE and the citizen chose
   * the category the label means. Otherwise the report waits for review.
   */
  autoTriage: boolean;
}

const ORDER = [ReportPriority.LOW, ReportPriority.MEDIUM, ReportPriority.HIGH, ReportPriority.CRITICAL];

/** The model's classes as the citizen's categories. */
const CATEGORY_OF_LABEL: Record<string, ReportCategory> = {
  pothole: ReportCategory.POTHOLE,
  garbage: ReportCategory.GARBAGE,
  fallen_tree: ReportCategory.FALLEN_TREE,
  flooding: ReportCategory.FLOODING,
  other: ReportCategory.OTHER,
};

const BASE: Record<ReportCategory, ReportPriority> = {
  [ReportCategory.POTHOLE]: ReportPriority.MEDIUM,
  [ReportCategory.GARBAGE]: ReportPriority.LOW,
  [ReportCategory.FALLEN_TREE]: ReportPriority.HIGH,
  [ReportCategory.FLOODING]: ReportPriority.HIGH,
  [ReportCategory.OTHER]: ReportPriority.LOW,
};

/** Hazards that get worse where water is coming: a tree or garbage blocks drains and roads. */
const FLOOD_SENSITIVE = new Set([
  ReportCategory.FALLEN_TREE,
  ReportCategory.GARBAGE,
  ReportCategory.FLOODING,
]);

/** Steps up per zone flood level; LOW, MODERATE and unknown change nothing. */
const FLOOD_STEPS: Record<FloodLevelName, number> = { LOW: 0, MODERATE: 0, HIGH: 1, SEVERE: 2 };

export function categoryOfLabel(label: string): ReportCategory {
  return CATEGORY_OF_LABEL[label] ?? ReportCategory.OTHER;
}

/**
 * The suggested priority of a triaged report. Rules, in order:
 *
 * 0. Label `unknown` (the gate found the photo is not a street scene): as rule 1, whatever the
 *    confidence; the citizen's category decides the priority.
 * 1. Confidence below MIN_CONFIDENCE (0.6): the label is ignored; the priority is the base of the
 *    citizen's category (OTHER when none), never escalated, and the report needs review.
 * 2. Otherwise the class is the label's. When the citizen chose a different category, the one with
 *    the higher base wins (a missed fallen tree costs more than a misfiled bag) and the report needs
 *    review.
 * 3. A flood-sensitive class (fallen tree, garbage, flooding) in a zone whose flood level is HIGH
 *    steps up once, SEVERE twice, capped at CRITICAL. An unknown level changes nothing.
 *
 * | class (confident) | base   | zone HIGH | zone SEVERE |
 * |-------------------|--------|-----------|-------------|
 * | pothole           | MEDIUM | MEDIUM    | MEDIUM      |
 * | garbage           | LOW    | MEDIUM    | HIGH        |
 * | fallen_tree       | HIGH   | CRITICAL  | CRITICAL    |
 * | flooding          | HIGH   | CRITICAL  | CRITICAL    |
 * | other             | LOW    | LOW       | LOW         |
 *
 * Auto-triage (`autoTriage`) needs all three of: a label other than `unknown`, confidence >=
 * AUTO_TRIAGE_CONFIDENCE (0.8), and a category chosen by the citizen equal to the label's.
 */
export function suggestPriority(input: PriorityInput): PriorityDecision {
  if (input.label === UNKNOWN_LABEL || !(input.confidence >= MIN_CONFIDENCE)) {
    return {
      priority: BASE[input.category ?? ReportCategory.OTHER],
      needsReview: true,
      autoTriage: false,
    };
  }
  const seen = categoryOfLabel(input.label);
  const chosen = input.category ?? seen;
  const disagree = chosen !== seen;
  const hazard = disagree && rank(BASE[chosen]) > rank(BASE[seen]) ? chosen : seen;
  let priority = BASE[hazard];
  if (FLOOD_SENSITIVE.has(hazard) && input.floodLevel) {
    priority = ORDER[Math.min(ORDER.length - 1, rank(priority) + FLOOD_STEPS[input.floodLevel])]!;
  }
  const autoTriage = input.category !== null && !disagree && input.confidence >= AUTO_TRIAGE_CONFIDENCE;
  return { priority, needsReview: disagree, autoTriage };
}

function rank(p: ReportPriority): number {
  return ORDER.indexOf(p);
}
