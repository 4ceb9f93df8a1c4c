import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { z } from 'zod';
import { sqlIdent, sqlString } from '@cityassist/feature-store';

/**
 * An expectation suite: what a source's rows must satisfy, kept as data beside its pipeline
 * (`suite.yaml`). Row rules send the rows that break them to quarantine; dataset rules judge the
 * whole delivery, and a failed `critical` one loads nothing.
 */
const columnType = z.enum(['text', 'double', 'timestamp']);

const severity = z.enum(['critical', 'warning']);

const rowRule = z.discriminatedUnion('rule', [
  z.object({ rule: z.literal('not_null'), columns: z.array(z.string()).min(1) }),
  z.object({ rule: z.literal('in_set'), column: z.string(), values: z.array(z.string()).min(1) }),
  z.object({
    rule: z.literal('range'),
    column: z.string(),
    min: z.number().optional(),
    max: z.number().optional(),
  }),
  z.object({ rule: z.literal('unique'), key: z.array(z.string()).min(1) }),
  z.object({ rule: z.literal('pattern'), column: z.string(), regex: z.string() }),
]);

const datasetRule = z.discriminatedUnion('rule', [
  z.object({
    rule: z.literal('row_count'),
    min: z.number().int().min(0).default(1),
    max: z.number().int().positive().optional(),
    severity: severity.default('critical'),
  }),
  z.object({
    rule: z.literal('quarantine_share'),
    max: z.number().min(0).max(1),
    severity: severity.default('critical'),
  }),
  z.object({
    rule: z.literal('monotonic'),
    entity: z.array(z.string()).min(1),
    time: z.string(),
    severity: severity.default('warning'),
  }),
  z.object({
    rule: z.literal('freshness'),
    column: z.string(),
    max_age_hours: z.number().positive(),
    severity: severity.default('warning'),
  }),
]);

const suiteSchema = z
  .object({
    source: z.string(),
    description: z.string().optional(),
    columns: z.record(
      z.string().regex(/^[a-z_][a-z0-9_]*$/),
      z.object({ type: columnType, required: z.boolean().default(true) }),
    ),
    units: z
      .object({
        column: z.string(),
        unit_column: z.string(),
        to: z.string(),
        // unit as delivered → factor to `to`; a unit not listed is refused.
        factors: z.record(z.string(), z.number().positive()),
      })
      .optional(),
    rows: z.array(rowRule).default([]),
    dataset: z.array(datasetRule).default([]),
  })
  .strict();

export type ExpectationSuite = z.infer<typeof suiteSchema>;
export type ColumnType = z.infer<typeof columnType>;

export async function loadSuite(file: string): Promise<ExpectationSuite> {
  let data: unknown;
  try {
    data = parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: not YAML: ${(err as Error).message}`, { cause: err });
  }
  const parsed = suiteSchema.safeParse(data);
  if (!parsed.success) {
    throw new Error(
      `${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const suite = parsed.data;
  const known = new Set(Object.keys(suite.columns));
  const named = [
    ...suite.rows.flatMap((r) => ('columns' in r ? r.columns : 'key' in r ? r.key : [r.column])),
    ...suite.dataset.flatMap((r) =>
      r.rule === 'monotonic' ? [...r.entity, r.time] : r.rule === 'freshness' ? [r.column] : [],
    ),
    ...(suite.units ? [suite.units.column, suite.units.unit_column] : []),
  ];
  const unknown = named.filter((c) => !known.has(c));
  if (unknown.length) {
    throw new Error(`${file}: rules name columns the suite does not declare: ${unknown.join(', ')}`);
  }
  return suite;
}

/** The SQL type a suite column is cast to. */
const SQL_TYPE: Record<ColumnType, string> = { text: 'VARCHAR', double: 'DOUBLE', timestamp: 'TIMESTAMPTZ' };

/** The name of the rule as stored with quarantined rows and in the run summary. */
export function ruleName(rule: z.infer<typeof rowRule>): string {
  switch (rule.rule) {
    case 'not_null':
      return `not_null:${rule.columns.join('+')}`;
    case 'unique':
      return `unique:${rule.key.join('+')}`;
    default:
      return `${rule.rule}:${rule.column}`;
  }
}

/**
 * The SQL that types the raw text table and lists, per row, the rules it breaks: a row breaks
 * `type:<col>` when its text does not cast, `unit` when its unit is not one the suite accepts, and
 * each row rule as written. The unit conversion happens here too, so every later step sees one
 * unit. Result columns: the typed suite columns, `_source`, `_row`, `_violations` (a list).
 */
export function checkedSql(suite: ExpectationSuite, rawTable: string): string {
  const cols = Object.entries(suite.columns);
  const typed = cols.map(([name, { type }]) => {
    const cast =
      type === 'text'
        ? `nullif(trim(${sqlIdent(name)}), '')`
        : `try_cast(nullif(trim(${sqlIdent(name)}), '') as ${SQL_TYPE[type]})`;
    return `${cast} as ${sqlIdent(name)}`;
  });
  const typeChecks = cols
    .filter(([, { type }]) => type !== 'text')
    .map(
      ([name, { type }]) =>
        `case when nullif(trim(${sqlIdent(name)}), '') is not null and try_cast(trim(${sqlIdent(name)}) as ${SQL_TYPE[type]}) is null then ${sqlString(`type:${name}`)} end`,
    );
  const units = suite.units;
  // The unit is converted while typing, so the row rules (ranges) judge values in the suite's unit.
  const factorCase = units
    ? `case ${Object.entries(units.factors)
        .map(([unit, f]) => `when trim(${sqlIdent(units.unit_column)}) = ${sqlString(unit)} then ${f}`)
        .join(' ')} end`
    : '';
  if (units) {
    const at = cols.findIndex(([name]) => name === units.column);
    typed[at] =
      `try_cast(nullif(trim(${sqlIdent(units.column)}), '') as DOUBLE) * ${factorCase} as ${sqlIdent(units.column)}`;
    const unitAt = cols.findIndex(([name]) => name === units.unit_column);
    typed[unitAt] =
      `case when (${factorCase}) is not null then ${sqlString(units.to)} else nullif(trim(${sqlIdent(units.unit_column)}), '') end as ${sqlIdent(units.unit_column)}`;
  }
  const unitCheck = units
    ? [
        `case when nullif(trim(${sqlIdent(units.unit_column)}), '') is not null and (${factorCase}) is null then 'unit' end`,
      ]
    : [];
  const ruleChecks = suite.rows.map((rule) => {
    const name = sqlString(ruleName(rule));
    switch (rule.rule) {
      case 'not_null':
        return `case when ${rule.columns.map((c) => `${sqlIdent(`_present_${c}`)} is null`).join(' or ')} then ${name} end`;
      case 'in_set':
        return `case when ${sqlIdent(rule.column)} is not null and ${sqlIdent(rule.column)} not in (${rule.values.map(sqlString).join(', ')}) then ${name} end`;
      case 'range': {
        const c = sqlIdent(rule.column);
        const bounds = [
          ...(rule.min !== undefined ? [`${c} < ${rule.min}`] : []),
          ...(rule.max !== undefined ? [`${c} > ${rule.max}`] : []),
          `not isfinite(${c})`,
        ];
        return `case when ${c} is not null and (${bounds.join(' or ')}) then ${name} end`;
      }
      case 'pattern':
        return `case when ${sqlIdent(rule.column)} is not null and not regexp_full_match(${sqlIdent(rule.column)}, ${sqlString(rule.regex)}) then ${name} end`;
      case 'unique':
        // The first delivery of a key stays; later copies are quarantined.
        return `case when row_number() over (partition by ${rule.key.map(sqlIdent).join(', ')} order by _row) > 1 then ${name} end`;
    }
  });
  // not_null judges what was delivered: a value that failed to type is a type error, not a missing one.
  const presence = cols.map(
    ([name]) => `nullif(trim(${sqlIdent(name)}), '') as ${sqlIdent(`_present_${name}`)}`,
  );
  return `
    with typed as (select _source, _row, ${typed.join(', ')}, ${presence.join(', ')}, [${[...typeChecks, ...unitCheck].join(', ') || 'null'}] as _type_violations from ${rawTable}),
    checked as (
      select *, list_filter(_type_violations || [${ruleChecks.join(', ') || 'null'}], x -> x is not null) as _violations
      from typed
    )
    select * exclude (_type_violations, ${cols.map(([name]) => sqlIdent(`_present_${name}`)).join(', ')}) from checked`;
}
