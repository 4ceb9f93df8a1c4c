import { Field, Float, ObjectType } from 'type-graphql';
import { ReportPriority } from './priority.ts';
import { TriageModel, TriageScore } from './triage.type.ts';

@ObjectType({
  description:
    "The image model's reading of a photo that is not part of a report: nothing is stored, and no zone's flood risk is weighed.",
})
export class ImageClassificationResult {
  @Field(() => String, {
    description:
      "Top class: pothole, garbage, fallen_tree, flooding or other; unknown when the model's out-of-distribution gate found the photo is not a street scene it knows.",
  })
  label!: string;

  @Field(() => Float, { description: "The top class's calibrated probability, 0–1." })
  confidence!: number;

  @Field(() => [TriageScore], { description: 'Every class, most likely first.' })
  scores!: TriageScore[];

  @Field(() => ReportPriority, {
    description:
      'The priority a report with this photo would start from: class and confidence only (no zone).',
  })
  suggestedPriority!: ReportPriority;

  @Field(() => Boolean, {
    description:
      'True when the label is not to be acted on alone: unknown (not a street scene), or the confidence is too low.',
  })
  needsReview!: boolean;

  @Field(() => TriageModel)
  model!: TriageModel;
}
