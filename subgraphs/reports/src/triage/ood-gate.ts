import type { ImageModelMetadata } from '@cityassist/inference';
import type { Classification } from './image-classifier.ts';
import { UNKNOWN_LABEL } from './priority.ts';

/** What the out-of-distribution gate said about a photo (image 1.1.0+, issue 17 part 4). */
export interface GateReading {
  /** False: not a street scene like those the model knows; the label is then `unknown`. */
  accepted: boolean;
  /** threshold − outlier score, clamped to ±20: ≥ 0 accepted (metadata.json `gate`). */
  margin: number;
  /** The class the model would have named without the gate. */
  topLabel: string;
}

/** The part of metadata.json `gate` serving reads; absent for versions without a gate (1.0.0). */
interface GateMetadata {
  kind: string;
  rejectedLabel?: string;
}

function gateMetadataOf(metadata: ImageModelMetadata): GateMetadata | undefined {
  const gate = metadata['gate'] as Partial<GateMetadata> | undefined;
  return gate && typeof gate.kind === 'string' ? (gate as GateMetadata) : undefined;
}

/**
 * logsumexp of a row of the model's logits. A gated graph adds its margin to every logit of
 * log_softmax (training/cityassist_training/image/ood.py, GatedTriage), so this is the margin: the
 * gate comes out of the same model call as the scores, through the logits the inference package
 * already returns, and the softmax (labels, confidences, the explained class) is unchanged.
 */
export function logSumExp(logits: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i]! - max);
  return max + Math.log(sum);
}

/**
 * The classification as triage uses it: for a version with a gate, a photo the gate refuses gets
 * the label `unknown` (scores and heatmap stay the model's, for the person who reviews it).
 * Versions without a gate are returned as they are.
 */
export function applyGate(
  c: Classification,
  metadata: ImageModelMetadata,
  logits: ArrayLike<number>,
): Classification {
  const gate = gateMetadataOf(metadata);
  if (!gate) return c;
  const margin = logSumExp(logits);
  // NaN (a broken model) counts as refused: no label is trusted that the gate did not accept.
  const accepted = margin >= 0;
  return {
    ...c,
    label: accepted ? c.label : (gate.rejectedLabel ?? UNKNOWN_LABEL),
    gate: { accepted, margin, topLabel: c.label },
  };
}
