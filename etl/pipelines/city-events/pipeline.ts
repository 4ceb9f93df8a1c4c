import path from 'node:path';
import { sqlString, zoneOutagesDaily } from '@cityassist/feature-store';
import { EtlError } from '../../src/errors.ts';
import { ingestCsv } from '../../src/ingest.ts';
import type { Pipeline } from '../../src/pipeline.ts';
import { loadSuite } from '../../src/suite.ts';
import { TERRAIN_INPUT } from '../../src/transforms/zone-flood-features.ts';

const here = import.meta.dirname;
const suite = await loadSuite(path.join(here, 'suite.yaml'));

/** A timestamp cell as the suite will type it: nothing, when it does not parse. */
const ts = (column: string) => `try_cast(nullif(trim(${column}), '') as timestamptz)`;

/**
 * Power and water outage logs → `zone_outages_daily`: per zone and UTC day, the outages that
 * started in it, the minutes of the day the zone was without power (or water) — overlapping
 * outages counted once, an outage across midnight split between the days — and the customer
 * minutes (customers × minutes, the numerator of SAIDI, IEEE 1366). A log is taken as complete for
 * the days it spans (the first start to the last end): every zone of the city (the terrain file)
 * gets a row for each, zero when it had no outage, and a later delivery covering the same day
 * replaces that day's row.
 */
export const cityEvents: Pipeline = {
  name: 'city-events',
  description:
    'Outage logs (event_id,kind,zone_id,started_at,ended_at,customers_affected) → zone_outages_daily',
  formats: [
    'CSV event_id,kind,zone_id,started_at,ended_at,customers_affected; kind power_outage | water_outage',
  ],
  suite,
  timeColumn: 'started_at',
  staticInputs: { ...TERRAIN_INPUT },
  defaultSources: ['data/events/olinda_outages_sim.csv'],
  codeFiles: [import.meta.filename, path.join(here, 'suite.yaml')],
  async ingest(ctx) {
    const { duck } = ctx;
    for (const [i, source] of ctx.sources.entries()) {
      if (!/\.(csv|txt)$/i.test(source.path)) {
        throw new EtlError('ETL_FORMAT', `${source.uri}: city-events reads CSV`);
      }
      await ingestCsv(ctx, i, source, suite);
      ctx.progress('ingest', i + 1, ctx.sources.length);
    }
    await duck.run(
      `update raw set duration_min = cast(epoch(${ts('ended_at')} - ${ts('started_at')}) / 60 as varchar)`,
    );
  },
  async transform(ctx) {
    const { duck } = ctx;
    const day = (x: string) => `time_bucket(interval 1 day, ${x})`;
    // The UTC days [s, e) touches; an outage ending exactly at midnight does not touch the next day.
    const days = (s: string, e: string) =>
      `unnest(generate_series(${day(s)}, greatest(${day(`${e} - interval 1 microsecond`)}, ${day(s)}), interval 1 day))`;
    const within = `epoch(least(e, day + interval 1 day) - greatest(s, day)) / 60`;
    await duck.run(`
      create table event_days as
      select zone_id, kind, customers_affected as customers, started_at as s, ended_at as e, ${days('started_at', 'ended_at')} as day
        from valid`);
    // Overlapping outages of a zone merged (gaps and islands), so a minute without power counts once.
    await duck.run(`
      create table outage_days as
      with ordered as (
        select zone_id, kind, started_at as s, ended_at as e,
               max(ended_at) over (partition by zone_id, kind order by started_at, ended_at rows between unbounded preceding and 1 preceding) as before_end
          from valid
      ),
      numbered as (
        select *, sum(case when before_end is null or s > before_end then 1 else 0 end)
                    over (partition by zone_id, kind order by s, e rows unbounded preceding) as island
          from ordered
      ),
      islands as (select zone_id, kind, min(s) as s, max(e) as e from numbered group by zone_id, kind, island)
      select zone_id, kind, s, e, ${days('s', 'e')} as day from islands`);
    await duck.run(`
      create table out_zone_outages_daily as
      with span as (
        select ${days('min(started_at)', 'max(ended_at)')} as as_of from valid
      ),
      zones as (
        select zone_id
          from read_csv(${sqlString(ctx.inputs['terrain']!.path)}, header = true, auto_detect = true, types = {'zone_id': 'VARCHAR'})
        union select zone_id from valid
      ),
      starts as (
        select zone_id, ${day('started_at')} as as_of,
               count(*) filter (where kind = 'power_outage') as power,
               count(*) filter (where kind = 'water_outage') as water
          from valid group by all
      ),
      minutes as (
        select zone_id, day as as_of,
               sum(${within}) filter (where kind = 'power_outage') as power,
               sum(${within}) filter (where kind = 'water_outage') as water
          from outage_days group by all
      ),
      customer_minutes as (
        select zone_id, day as as_of,
               sum(customers * ${within}) filter (where kind = 'power_outage') as power,
               sum(customers * ${within}) filter (where kind = 'water_outage') as water
          from event_days group by all
      )
      select z.zone_id as entity_id, span.as_of,
             coalesce(st.power, 0)::double as power_outages,
             coalesce(m.power, 0) as power_minutes,
             coalesce(c.power, 0) as power_customer_minutes,
             coalesce(st.water, 0)::double as water_outages,
             coalesce(m.water, 0) as water_minutes,
             coalesce(c.water, 0) as water_customer_minutes
        from zones z cross join span
        left join starts st on st.zone_id = z.zone_id and st.as_of = span.as_of
        left join minutes m on m.zone_id = z.zone_id and m.as_of = span.as_of
        left join customer_minutes c on c.zone_id = z.zone_id and c.as_of = span.as_of`);
    return [{ view: zoneOutagesDaily, table: 'out_zone_outages_daily' }];
  },
};
