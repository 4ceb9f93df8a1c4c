/**
 * Shared by test/observe.test.ts and test/observe.e2e.ts: where promtool is, the alert rules and
 * dashboards under ops/, the PromQL expressions the dashboards hold and the metric names they use.
 */
import { execFile, spawnSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { ROOT } from '../scripts/stack.ts';

export const RULES_FILE = path.join(ROOT, 'ops/prometheus/rules.yml');
export const RULE_TESTS_DIR = path.join(ROOT, 'ops/prometheus/tests');
export const DASHBOARDS_DIR = path.join(ROOT, 'ops/grafana');
export const RUNBOOK = path.join(ROOT, 'docs/runbook.md');

/** A binary from Debian's `prometheus` package, or undefined when it is not installed. */
export function which(binary: 'promtool' | 'prometheus'): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' });
  const at = found.stdout.trim();
  return found.status === 0 && at ? at : undefined;
}

/**
 * Why the Prometheus checks cannot run here (no package), or undefined when they can. On CI
 * (`CI=true`) a missing package is a failure, not a skip: .ci/run installs it.
 */
export function prometheusMissing(binary: 'promtool' | 'prometheus' = 'promtool'): string | undefined {
  if (which(binary)) return undefined;
  const why = `${binary} is not installed (apt-get install -y prometheus)`;
  if (process.env['CI'] === 'true') throw new Error(`${why}; CI must have it`);
  return why;
}

const exec = promisify(execFile);

/** Runs promtool; resolves its output, rejects with it (stdout and stderr) when it fails. */
export async function promtool(args: string[], input?: string): Promise<string> {
  if (input === undefined) {
    try {
      const { stdout, stderr } = await exec('promtool', args, { cwd: ROOT });
      return stdout + stderr;
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`, {
        cause: err,
      });
    }
  }
  const run = spawnSync('promtool', args, { cwd: ROOT, input, encoding: 'utf8' });
  if (run.status !== 0) {
    throw new Error(`promtool ${args.join(' ')} failed (${run.status}):\n${run.stdout}${run.stderr}`);
  }
  return run.stdout + run.stderr;
}

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
export interface RecordingRule {
  record: string;
  expr: string;
}
export interface RuleFile {
  groups: { name: string; interval?: string; rules: (AlertRule | RecordingRule)[] }[];
}

export async function readRules(): Promise<RuleFile> {
  return parseYaml(await readFile(RULES_FILE, 'utf8')) as RuleFile;
}

export const alertsOf = (rules: RuleFile): AlertRule[] =>
  rules.groups.flatMap((g) => g.rules.filter((r): r is AlertRule => 'alert' in r));

export const recordedNames = (rules: RuleFile): Set<string> =>
  new Set(rules.groups.flatMap((g) => g.rules.flatMap((r) => ('record' in r ? [r.record] : []))));

export interface DashboardTarget {
  dashboard: string;
  panel: string;
  expr: string;
}

interface Panel {
  title?: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}

/** Every PromQL expression of every dashboard in ops/grafana (rows' nested panels included). */
export async function dashboardTargets(): Promise<DashboardTarget[]> {
  const out: DashboardTarget[] = [];
  for (const file of (await readdir(DASHBOARDS_DIR)).filter((f) => f.endsWith('.json')).sort()) {
    const dashboard = JSON.parse(await readFile(path.join(DASHBOARDS_DIR, file), 'utf8')) as {
      panels?: Panel[];
    };
    const walk = (panels: Panel[] = []) => {
      for (const panel of panels) {
        for (const target of panel.targets ?? []) {
          if (target.expr) out.push({ dashboard: file, panel: panel.title ?? '', expr: target.expr });
        }
        walk(panel.panels);
      }
    };
    walk(dashboard.panels);
  }
  return out;
}

/** Grafana's variables replaced by values Prometheus accepts, so promtool can parse the expression. */
export const withoutGrafanaVariables = (expr: string): string =>
  expr
    .replaceAll('$__rate_interval', '5m')
    .replaceAll('$__interval', '1m')
    .replaceAll('$__range', '1h')
    .replace(/\$\{?(\w+)\}?/g, 'x');

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
]);

/**
 * The metric names a PromQL expression selects: strings, label matchers, ranges and grouping
 * clauses removed; what is left that is not a function, an aggregation or a keyword is a name.
 */
export function metricNamesOf(expr: string): Set<string> {
  const bare = withoutGrafanaVariables(expr)
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of bare.matchAll(/(?<![\w.])([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    const [, name, call] = match;
    if (call || KEYWORDS.has(name!.toLowerCase())) continue;
    names.add(name!);
  }
  return names;
}

/** The metric families a /metrics page declares (`# TYPE name type`), with their sample names. */
export function familiesOf(text: string): Map<string, string[]> {
  const families = new Map<string, string[]>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const samples =
      type === 'histogram'
        ? [`${name}_bucket`, `${name}_sum`, `${name}_count`]
        : type === 'summary'
          ? [name!, `${name}_sum`, `${name}_count`]
          : [name!];
    families.set(name!, samples);
  }
  return families;
}

/** GitHub's anchor for a Markdown heading: lower case, spaces to hyphens, punctuation dropped. */
export const slugOf = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');
