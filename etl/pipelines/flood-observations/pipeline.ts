import path from 'node:path';
import { zoneFloodObservations } from '@cityassist/feature-store';
import { EtlError } from '../../src/errors.ts';
import { ROW_STRIDE, ingestCsv, ingestJsonLines } from '../../src/ingest.ts';
import type { Pipeline } from '../../src/pipeline.ts';
import { loadSuite, type ExpectationSuite } from '../../src/suite.ts';

const here = import.meta.dirname;
const suite = await loadSuite(path.join(here, 'suite.yaml'));

/** The suite with more columns required: what one record kind's file must have in its header. */
function requiring(columns: readonly string[]): ExpectationSuite {
  return {
    ...suite,
    columns: Object.fromEntries(
      Object.entries(suite.columns).map(([name, spec]) => [
        name,
        columns.includes(name) ? { ...spec, required: true } : spec,
      ]),
    ),
  };
}

const OBSERVATIONS = requiring(['flooded', 'depth_cm', 'source']);
const REPORTS = requiring(['report_id', 'category']);

/**
 * Observed flood outcomes → `zone_flood_observations`, the flood model's labels: per zone and hour,
 * keyed by the hour's END so a label joins `zone_flood_features` on the same as_of (the rain known
 * at that moment). An hour is flooded when a field observation saw water or a citizen reported
 * flooding (category `flooding`, any case; other categories are read and ignored); a zone-hour with
 * neither has no row: unknown, not dry.
 */
export const floodObservations: Pipeline = {
  name: 'flood-observations',
  description: 'Flood observations (CSV) + citizen flooding reports (JSON lines) → zone_flood_observations',
  formats: [
    'CSV zone_id,observed_at,flooded,depth_cm,source (flooded 0 | 1; depth_cm may be empty)',
    'JSON lines {report_id, zone_id, created_at, category, …} (.jsonl, .ndjson): the reports service’s records',
  ],
  suite,
  timeColumn: 'observed_at',
  defaultSources: [
    'data/events/olinda_flood_observations_sim.csv',
    'data/events/olinda_flood_reports_sim.jsonl',
  ],
  codeFiles: [import.meta.filename, path.join(here, 'suite.yaml')],
  async ingest(ctx) {
    const { duck } = ctx;
    for (const [i, source] of ctx.sources.entries()) {
      const mine = `_row > ${i} * ${ROW_STRIDE} and _row < ${i + 1} * ${ROW_STRIDE}`;
      if (/\.(jsonl|ndjson)$/i.test(source.path)) {
        await ingestJsonLines(ctx, i, source, REPORTS, { rename: { created_at: 'observed_at' } });
        await duck.run(
          `update raw set evidence = case when nullif(trim(report_id), '') is not null then 'report' end where ${mine}`,
        );
      } else if (/\.csv$/i.test(source.path)) {
        await ingestCsv(ctx, i, source, OBSERVATIONS);
        await duck.run(`update raw set evidence = nullif(trim(flooded), '') where ${mine}`);
      } else {
        throw new EtlError(
          'ETL_FORMAT',
          `${source.uri}: flood-observations reads .csv (observations) or .jsonl/.ndjson (reports)`,
        );
      }
      ctx.progress('ingest', i + 1, ctx.sources.length);
    }
  },
  async transform({ duck }) {
    const hourEnd = `time_bucket(interval 1 hour, observed_at) + interval 1 hour`;
    await duck.run(`
      create table out_zone_flood_observations as
      with observations as (
        select zone_id, ${hourEnd} as as_of, max(evidence::int) as flooded, count(*) as n, max(depth_cm) as depth
          from valid where evidence <> 'report' group by all
      ),
      reports as (
        select zone_id, ${hourEnd} as as_of, count(*) as n
          from valid where evidence = 'report' and lower(trim(category)) = 'flooding' group by all
      )
      select coalesce(o.zone_id, r.zone_id) as entity_id, coalesce(o.as_of, r.as_of) as as_of,
             greatest(coalesce(o.flooded, 0), case when r.n > 0 then 1 else 0 end)::double as flooded,
             coalesce(r.n, 0)::double as n_reports,
             coalesce(o.n, 0)::double as n_observations,
             o.depth as max_depth_cm
        from observations o full join reports r on r.zone_id = o.zone_id and r.as_of = o.as_of`);
    return [{ view: zoneFloodObservations, table: 'out_zone_flood_observations' }];
  },
};
