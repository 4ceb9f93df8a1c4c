import DataLoader from 'dataloader';
import type { Catalog } from '@cityassist/feature-store';
import { Field, Float, ObjectType } from 'type-graphql';

@ObjectType({ description: 'One input of a prediction and where it came from: its lineage.' })
export class FeatureInput {
  @Field(() => String)
  feature!: string;

  @Field(() => Float, { nullable: true, description: 'The value the model read; null = missing.' })
  value!: number | null;

  @Field(() => Date, { description: 'The time the value describes.' })
  asOf!: Date;

  @Field(() => String, {
    description: 'The dataset version that loaded it (datasets), or api:<caller> for a pushed value.',
  })
  datasetVersion!: string;

  @Field(() => [String], {
    description: 'The files the dataset version was made from (none for a pushed value).',
  })
  source!: string[];
}

/** Per request: dataset version → its source URIs, one catalog query per distinct version. */
export function createLineageLoader(catalog: Catalog): DataLoader<string, string[]> {
  return new DataLoader(async (versions) =>
    Promise.all(versions.map(async (v) => (await catalog.version(v))?.sources.map((s) => s.uri) ?? [])),
  );
}
