import { Directive, Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ReportPriority } from './priority.ts';

registerEnumType(ReportPriority, {
  name: 'ReportPriority',
  description: 'How soon the city should act, as suggested from the photo, category and flood risk.',
});

@ObjectType({ description: 'The probability the model gives one class.' })
export class TriageScore {
  @Field(() => String)
  label!: string;

  @Field(() => Float, { description: '0–1; the scores of a triage sum to 1.' })
  score!: number;
}

@ObjectType({ description: 'The model version that triaged the photo.' })
export class TriageModel {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  version!: string;
}

@ObjectType({ description: 'A rectangle in photo pixels, from the top-left corner.' })
export class ImageRegion {
  @Field(() => Int)
  x!: number;

  @Field(() => Int)
  y!: number;

  @Field(() => Int)
  width!: number;

  @Field(() => Int)
  height!: number;
}

@ObjectType({ description: 'What the label rests on: the class activation map of the top class.' })
export class TriageExplanation {
  /** Where the heatmap PNG is in the object store; never shown. */
  heatmapKey!: string;

  @Directive('@cost(weight: 10)')
  @Field(() => String, {
    nullable: true,
    description:
      'The activation map as a data: URL (data:image/png;base64,…): an RGBA PNG the size of the photo, to draw over it; it holds no pixel of the photo. Null if the store lost it.',
  })
  heatmap?: string | null;

  @Field(() => ImageRegion, { description: "Bounding box of the map's strongest region, in photo pixels." })
  region!: ImageRegion;
}

@ObjectType({ description: "The image model's reading of a report's photo and the priority it suggests." })
export class ReportTriage {
  @Field(() => String, {
    description:
      "Top class: pothole, garbage, fallen_tree, flooding or other; unknown when the model's out-of-distribution gate found the photo is not a street scene it knows (the citizen's category then sets the priority).",
  })
  label!: string;

  @Field(() => Float, { description: "The top class's calibrated probability, 0–1." })
  confidence!: number;

  @Field(() => [TriageScore], { description: 'Every class, most likely first.' })
  scores!: TriageScore[];

  @Field(() => ReportPriority)
  suggestedPriority!: ReportPriority;

  @Field(() => Boolean, {
    description:
      'True when a person should check before the report moves on; false only when the model moved it to TRIAGED itself: the gate accepted the photo, the confidence is at least 0.8 and the citizen chose the category the label means.',
  })
  needsReview!: boolean;

  @Field(() => String, {
    nullable: true,
    description: "The zone's flood level the priority took into account (LOW … SEVERE); null when unknown.",
  })
  floodLevel!: string | null;

  @Field(() => TriageModel)
  model!: TriageModel;

  @Field(() => Date)
  triagedAt!: Date;

  @Field(() => TriageExplanation)
  explanation!: TriageExplanation;
}
