import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReportCategory } from '../report/report.enums.ts';
import {
  AUTO_TRIAGE_CONFIDENCE,
  MIN_CONFIDENCE,
  ReportPriority,
  suggestPriority,
  UNKNOWN_LABEL,
} from './priority.ts';

const { LOW, MEDIUM, HIGH, CRITICAL } = ReportPriority;

describe('suggestPriority', () => {
  it('follows the documented table for confident labels the citizen agrees with', () => {
    const table = [
      // label, base, zone HIGH, zone SEVERE
      ['pothole', ReportCategory.POTHOLE, MEDIUM, MEDIUM, MEDIUM],
      ['garbage', ReportCategory.GARBAGE, LOW, MEDIUM, HIGH],
      ['fallen_tree', ReportCategory.FALLEN_TREE, HIGH, CRITICAL, CRITICAL],
      ['flooding', ReportCategory.FLOODING, HIGH, CRITICAL, CRITICAL],
      ['other', ReportCategory.OTHER, LOW, LOW, LOW],
    ] as const;
    for (const [label, category, base, high, severe] of table) {
      const at = (floodLevel: 'LOW' | 'MODERATE' | 'HIGH' | 'SEVERE' | null) =>
        suggestPriority({ label, confidence: 0.95, category, floodLevel });
      assert.deepEqual(
        at(null),
        { priority: base, needsReview: false, autoTriage: true },
        `${label}, unknown level`,
      );
      assert.equal(at('LOW').priority, base, `${label}, LOW zone`);
      assert.equal(at('MODERATE').priority, base, `${label}, MODERATE zone`);
      assert.equal(at('HIGH').priority, high, `${label}, HIGH zone`);
      assert.equal(at('SEVERE').priority, severe, `${label}, SEVERE zone`);
    }
  });

  it('takes the label as the class when the citizen chose no category, but leaves the move to a person', () => {
    assert.deepEqual(
      suggestPriority({ label: 'fallen_tree', confidence: 0.9, category: null, floodLevel: 'SEVERE' }),
      { priority: CRITICAL, needsReview: false, autoTriage: false },
      'no category to agree with: the report waits for review',
    );
  });

  it('auto-triages only a high confidence the citizen agrees with', () => {
    const at = (confidence: number) =>
      suggestPriority({ label: 'pothole', confidence, category: ReportCategory.POTHOLE, floodLevel: null });
    assert.equal(at(AUTO_TRIAGE_CONFIDENCE).autoTriage, true);
    assert.equal(
      at(AUTO_TRIAGE_CONFIDENCE - 0.01).autoTriage,
      false,
      'confident enough to act on, not to skip review',
    );
    assert.equal(at(AUTO_TRIAGE_CONFIDENCE - 0.01).needsReview, false);
    assert.equal(
      suggestPriority({
        label: 'pothole',
        confidence: 0.99,
        category: ReportCategory.GARBAGE,
        floodLevel: null,
      }).autoTriage,
      false,
      'a category the photo contradicts waits for review',
    );
  });

  it('EXPECTED FAILURE - an unknown photo (refused by the gate) is never acted on: the citizen category decides', () => {
    // The cat of issue 17 part 4: 1.0.0 called it a confident fallen tree, HIGH priority.
    assert.deepEqual(
      suggestPriority({ label: UNKNOWN_LABEL, confidence: 0.99, category: null, floodLevel: 'SEVERE' }),
      { priority: LOW, needsReview: true, autoTriage: false },
    );
    assert.deepEqual(
      suggestPriority({
        label: UNKNOWN_LABEL,
        confidence: 0.99,
        category: ReportCategory.POTHOLE,
        floodLevel: null,
      }),
      { priority: MEDIUM, needsReview: true, autoTriage: false },
    );
    assert.deepEqual(
      suggestPriority({
        label: UNKNOWN_LABEL,
        confidence: 0.99,
        category: ReportCategory.FLOODING,
        floodLevel: 'SEVERE',
      }),
      { priority: HIGH, needsReview: true, autoTriage: false },
      'as for an unsure label: the base of the citizen category, not escalated',
    );
  });

  it('never escalates a low-confidence label, and asks a person to look', () => {
    const unsure = MIN_CONFIDENCE - 0.01;
    assert.deepEqual(
      suggestPriority({ label: 'fallen_tree', confidence: unsure, category: null, floodLevel: 'SEVERE' }),
      { priority: LOW, needsReview: true, autoTriage: false },
      'an unsure fallen tree with no category is not escalated',
    );
    assert.deepEqual(
      suggestPriority({
        label: 'pothole',
        confidence: unsure,
        category: ReportCategory.FALLEN_TREE,
        floodLevel: 'SEVERE',
      }),
      { priority: HIGH, needsReview: true, autoTriage: false },
      "the citizen's category sets the base, without flood escalation",
    );
    assert.equal(
      suggestPriority({ label: 'pothole', confidence: Number.NaN, category: null, floodLevel: null })
        .needsReview,
      true,
    );
  });

  it('keeps the more urgent of label and category when they disagree, and asks for review', () => {
    assert.deepEqual(
      suggestPriority({
        label: 'other',
        confidence: 0.97,
        category: ReportCategory.FALLEN_TREE,
        floodLevel: 'HIGH',
      }),
      { priority: CRITICAL, needsReview: true, autoTriage: false },
      'the citizen saw a tree the model missed: the tree counts, flood escalation too',
    );
    assert.deepEqual(
      suggestPriority({
        label: 'pothole',
        confidence: 0.97,
        category: ReportCategory.GARBAGE,
        floodLevel: 'SEVERE',
      }),
      { priority: MEDIUM, needsReview: true, autoTriage: false },
      'a pothole filed as garbage is a pothole, which floods do not escalate',
    );
    assert.deepEqual(
      suggestPriority({
        label: 'other',
        confidence: 0.9,
        category: ReportCategory.FLOODING,
        floodLevel: 'SEVERE',
      }),
      { priority: CRITICAL, needsReview: true, autoTriage: false },
    );
  });
});
