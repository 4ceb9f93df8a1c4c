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

/** A feature-store row a prediction read: its time, its values and the dataset version that loaded it. */
export interface LineageRow {
  asOf: Date;
  values: Readonly<Record<string, number | null | undefined>>;
  datasetVersion: string;
}

/**
 * The `inputs` of a prediction: each of `features` of each row it read, in row order, with the row's
 * time, dataset version and that version's files (one catalog query per distinct version, through
 * the request's lineage loader). A feature the row lacks is a null value, not left out.
 */
export async function featureInputsOf(
  rows: readonly LineageRow[],
  features: readonly string[],
  lineage: DataLoader<string, string[]>,
): Promise<FeatureInput[]> {
  const versions = [...new Set(rows.map((r) => r.datasetVersion))];
  const files = await lineage.loadMany(versions);
  const sources = new Map(
    versions.map((v, i) => {
      const found = files[i];
      if (found instanceof Error) throw found;
      return [v, found!];
    }),
  );
  return rows.flatMap((r) =>
    features.map((feature) => {
      const value = r.values[feature];
      return {
        feature,
        value: typeof value === 'number' ? value : null,
        asOf: r.asOf,
        datasetVersion: r.datasetVersion,
        source: sources.get(r.datasetVersion)!,
      };
    }),
  );
}
