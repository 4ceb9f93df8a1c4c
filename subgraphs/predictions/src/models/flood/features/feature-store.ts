import type { Database } from '@cityassist/db';
import { OnlineStore, zoneFloodFeatures } from '@cityassist/feature-store';

export interface ZoneFeatures {
  zoneId: string;
  asOf: Date;
  values: Record<string, number | null>;
  /** The dataset version the values were loaded by (lineage), or `api:…` for an ingest mutation. */
  datasetVersion: string;
  /** A what-if (floodPrediction with replaced values): no input of the city, so drift skips it. */
  whatIf?: boolean | undefined;
}

/**
 * The flood model's inputs per zone: the `zone_flood_features` view of the online feature store,
 * which the pipelines fill (etl/). Serving never computes a feature itself: what the model sees is
 * what the store holds, with the dataset version that put it there.
 */
export class FeatureStore {
  private readonly online: OnlineStore;

  constructor(db: Database) {
    this.online = new OnlineStore(db);
  }

  /** The newest features of each zone (at or before `at` when given), in one query. */
  async latest(zoneIds: readonly string[], at?: Date): Promise<Map<string, ZoneFeatures>> {
    const rows = await this.online.latest(zoneFloodFeatures.name, zoneIds, at);
    return new Map(
      [...rows].map(([zoneId, r]) => [zoneId, { zoneId, asOf: r.asOf, values: r.values, datasetVersion: r.datasetVersion }]),
    );
  }

  /** Every zone the store holds features for. */
  zoneIds(): Promise<string[]> {
    return this.online.entities(zoneFloodFeatures.name);
  }

  /** Records one observation of a zone's features pushed through the API (a newer row wins in `latest`). */
  async write(zoneId: string, asOf: Date, values: Record<string, number | null>, datasetVersion: string): Promise<void> {
    await this.online.write(zoneFloodFeatures.name, datasetVersion, [
      { entity_id: zoneId, as_of: asOf.toISOString(), features: values },
    ]);
  }
}
