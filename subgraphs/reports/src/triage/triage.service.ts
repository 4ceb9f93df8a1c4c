import { randomBytes } from 'node:crypto';
import type { EventBus } from '@cityassist/events';
import { ImageInputError, withTimeout } from '@cityassist/inference';
import { withSpan, type Logger } from '@cityassist/service-kit';
import type { FloodLevelRepository } from '../flood-level/flood-level.repository.ts';
import { ReportCategory } from '../report/report.enums.ts';
import type { PendingTriage, ReportRepository, TriageRecord } from '../report/report.repository.ts';
import { REPORT_TRIAGED } from '../report/report.topics.ts';
import { objectKey, type ObjectStore } from '../storage/object-store.ts';
import type { Classification, ClassifierSlot } from './image-classifier.ts';
import { categoryOfLabel, MIN_CONFIDENCE, suggestPriority, UNKNOWN_LABEL } from './priority.ts';

export interface TriageOptions {
  /** A classification slower than this leaves the report pending for the retry. */
  timeoutMs: number;
  /** Pause between retry rounds; 0 turns the retry off. */
  retryIntervalMs: number;
}

/** done: the model answered; pending: it is down or slow (retried later); failed: it cannot read the photo. */
export type ClassifyOutcome =
  { kind: 'done'; classification: Classification } | { kind: 'pending' } | { kind: 'failed' };

/** A triage ready to store, and what it means for the report. */
export interface TriageDecision {
  triage: TriageRecord;
  /** The report's category: the citizen's, or the label's when they gave none. */
  category: ReportCategory;
  /**
   * True when the model may move the report OPEN → TRIAGED: the gate accepted the photo, the
   * confidence is high (AUTO_TRIAGE_CONFIDENCE) and the citizen's category agrees (priority.ts).
   */
  triaged: boolean;
  /** Audit trail actor and note for that move. */
  actor: string;
  note: string;
}

const RETRY_BATCH = 20;

/**
 * Asks the image model about a photo, turns its answer into a priority (priority.ts) and stores
 * the heatmap; and, in the background, triages reports the model could not answer for when they
 * arrived. A model failure never fails a report: it stays OPEN and `pending` until the model is back.
 */
export class TriageService {
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    private readonly model: ClassifierSlot,
    private readonly reports: ReportRepository,
    private readonly floodLevels: FloodLevelRepository,
    private readonly store: ObjectStore,
    private readonly events: EventBus,
    private readonly logger: Logger,
    private readonly options: TriageOptions,
  ) {}

  classify(photo: Buffer): Promise<ClassifyOutcome> {
    // The photo's whole way through the image model: decode, the batch, the heatmap (docs/tracing.md).
    return withSpan('image.triage', { 'image.bytes': photo.length }, async (span) => {
      const outcome = await this.classifyPhoto(photo);
      span.setAttribute('triage.outcome', outcome.kind);
      if (outcome.kind === 'done') {
        const c = outcome.classification;
        span.setAttributes({
          'model.name': c.model.name,
          'model.version': c.model.version,
          'triage.label': c.label,
          'triage.confidence': c.confidence,
        });
      }
      return outcome;
    });
  }

  private async classifyPhoto(photo: Buffer): Promise<ClassifyOutcome> {
    const model = this.model.current;
    if (!model) return { kind: 'pending' };
    try {
      const classification = await withTimeout(
        model.classify(photo),
        this.options.timeoutMs,
        `triage took longer than ${this.options.timeoutMs} ms`,
      );
      return { kind: 'done', classification };
    } catch (err) {
      // The photo passed the upload checks; if the model's own decoder still refuses it, retrying
      // will not help.
      if (err instanceof ImageInputError) {
        this.logger.warn({ err: err.message }, 'image model cannot read a stored photo');
        return { kind: 'failed' };
      }
      this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'triage unavailable');
      return { kind: 'pending' };
    }
  }

  /** The category a report gets: the citizen's, else a confident label's (not `unknown`), else OTHER. */
  categoryFor(chosen: ReportCategory | null, classification?: Classification): ReportCategory {
    if (chosen) return chosen;
    if (
      classification &&
      classification.label !== UNKNOWN_LABEL &&
      classification.confidence >= MIN_CONFIDENCE
    ) {
      return categoryOfLabel(classification.label);
    }
    return ReportCategory.OTHER;
  }

  /** Decides the priority and stores the heatmap; the caller writes the row (and drops the heatmap if that fails). */
  async decide(
    reportId: string,
    zoneId: string,
    chosen: ReportCategory | null,
    c: Classification,
  ): Promise<TriageDecision> {
    const floodLevel = await this.floodLevels.levelOf(zoneId);
    const decision = suggestPriority({
      label: c.label,
      confidence: c.confidence,
      category: chosen,
      floodLevel,
    });
    // A fresh name per attempt: two replicas triaging the same report never share a heatmap.
    const heatmapKey = objectKey('heatmaps', `${reportId}-${randomBytes(6).toString('hex')}`, 'png');
    await this.store.put(heatmapKey, c.heatmapPng, 'image/png');
    return {
      triage: {
        label: c.label,
        confidence: c.confidence,
        scores: c.scores.map(({ label, score }) => ({ label, score })),
        priority: decision.priority,
        // In a report, "needs review" is exactly "the model did not move it on by itself".
        needsReview: !decision.autoTriage,
        floodLevel,
        model: { name: c.model.name, version: c.model.version },
        region: { ...c.region },
        heatmapKey,
      },
      category: this.categoryFor(chosen, c),
      triaged: decision.autoTriage,
      actor: `model:${c.model.name}@${c.model.version}`,
      note: `${c.label} ${c.confidence.toFixed(2)}, priority ${decision.priority}`,
    };
  }

  /** One retry round: triages pending reports, oldest first, until none is left or the model fails. */
  async retryPending(): Promise<number> {
    if (!(await this.model.ensure())) return 0;
    let done = 0;
    for (;;) {
      const batch = await this.reports.pendingTriage(RETRY_BATCH);
      if (!batch.length) return done;
      for (const pending of batch) {
        const outcome = await this.retryOne(pending);
        if (outcome === 'pending') return done;
        if (outcome === 'done') done++;
        if (this.stopped) return done;
      }
    }
  }

  private async retryOne(pending: PendingTriage): Promise<ClassifyOutcome['kind']> {
    const photo = await this.store.get(pending.photoKey);
    if (!photo) {
      this.logger.error({ reportId: pending.id }, 'photo of a pending report is missing from the store');
      await this.reports.markTriageFailed(pending.id);
      return 'failed';
    }
    const outcome = await this.classify(photo);
    if (outcome.kind === 'failed') await this.reports.markTriageFailed(pending.id);
    if (outcome.kind !== 'done') return outcome.kind;
    const chosen = pending.categoryChosen ? pending.category : null;
    const decision = await this.decide(pending.id, pending.zoneId, chosen, outcome.classification);
    let stored = false;
    try {
      stored = await this.reports.completeTriage(pending, decision.triage, decision);
    } finally {
      if (!stored) await this.store.delete(decision.triage.heatmapKey).catch(() => undefined);
    }
    if (stored) {
      const report = await this.reports.byId(pending.id);
      this.logger.info(
        { reportId: pending.id, label: decision.triage.label, priority: decision.triage.priority },
        'report triaged on retry',
      );
      if (report) this.events.pubSub.publish(REPORT_TRIAGED, report);
    }
    return 'done';
  }

  /** Runs retryPending every `retryIntervalMs` (a round never overlaps the previous one). */
  start(): void {
    if (this.options.retryIntervalMs <= 0) return;
    const tick = () => {
      this.round = this.retryPending()
        .catch((err: unknown) => this.logger.error({ err }, 'triage retry round failed'))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.options.retryIntervalMs).unref();
        });
    };
    this.timer = setTimeout(tick, this.options.retryIntervalMs).unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.round;
  }
}
