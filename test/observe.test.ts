/**
 * The alert rules, their unit tests, the dashboards and the runbook hold together: promtool
 * accepts the rules and passes their unit tests, every alert is tested firing and not firing,
 * every dashboard expression parses, and every alert's runbook_url names a section of
 * docs/runbook.md. Off CI, skipped with a message when promtool (Debian's `prometheus`) is missing;
 * on CI (CI=true) that is a failure.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml, stringify } from 'yaml';
import { ROOT } from '../scripts/stack.ts';
import {
  alertsOf,
  dashboardTargets,
  metricNamesOf,
  prometheusMissing,
  promtool,
  readRules,
  RULE_TESTS_DIR,
  RULES_FILE,
  RUNBOOK,
  slugOf,
  withoutGrafanaVariables,
} from './observe-support.ts';

interface RuleTestFile {
  rule_files: string[];
  tests: { name: string; alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
}

const ruleTestFiles = async () =>
  (await readdir(RULE_TESTS_DIR)).filter((f) => f.endsWith('.yml')).map((f) => path.join(RULE_TESTS_DIR, f));

describe('alert rules (ops/prometheus)', () => {
  it('pass promtool check rules', async (t) => {
    const missing = prometheusMissing();
    if (missing) return t.skip(missing);
    const out = await promtool(['check', 'rules', RULES_FILE]);
    assert.match(out, /SUCCESS/);
  });

  it('pass their promtool unit tests (ops/prometheus/tests)', async (t) => {
    const missing = prometheusMissing();
    if (missing) return t.skip(missing);
    const out = await promtool(['test', 'rules', ...(await ruleTestFiles())]);
    assert.doesNotMatch(out, /FAILED/);
  });

  it('every alert has a unit test where it fires and one where it does not', async () => {
    const alerts = alertsOf(await readRules()).map((a) => a.alert);
    const fires = new Set<string>();
    const silent = new Set<string>();
    for (const file of await ruleTestFiles()) {
      const suite = parseYaml(await readFile(file, 'utf8')) as RuleTestFile;
      assert.deepEqual(suite.rule_files, ['../rules.yml'], `${file} tests the real rule file`);
      for (const test of suite.tests) {
        for (const check of test.alert_rule_test ?? []) {
          (check.exp_alerts?.length ? fires : silent).add(check.alertname);
        }
      }
    }
    assert.deepEqual(
      alerts.filter((a) => !fires.has(a)),
      [],
      'alerts never tested firing',
    );
    assert.deepEqual(
      alerts.filter((a) => !silent.has(a)),
      [],
      'alerts never tested not firing',
    );
  });

  it('every alert has a severity, a summary and a runbook_url pointing at its own runbook section', async () => {
    const runbook = await readFile(RUNBOOK, 'utf8');
    const sections = new Map<string, string>();
    const parts = runbook.split(/^## /m).slice(1);
    for (const part of parts) {
      const heading = part.slice(0, part.indexOf('\n'));
      sections.set(slugOf(heading), part);
    }
    for (const alert of alertsOf(await readRules())) {
      assert.match(alert.labels?.['severity'] ?? '', /^(page|ticket)$/, `${alert.alert}: severity`);
      assert.ok(alert.annotations?.['summary'], `${alert.alert}: summary`);
      const url = alert.annotations?.['runbook_url'] ?? '';
      const anchor = slugOf(alert.alert);
      assert.equal(url, `docs/runbook.md#${anchor}`, `${alert.alert}: runbook_url`);
      const section = sections.get(anchor);
      assert.ok(section, `docs/runbook.md has no "## ${alert.alert}" section`);
      for (const part of ['Meaning', 'Who is affected', 'Diagnosis', 'Mitigation', 'Verifying recovery']) {
        assert.match(section, new RegExp(`^\\*\\*${part}\\.?\\*\\*`, 'm'), `${alert.alert}: no **${part}**`);
      }
    }
  });
});

describe('dashboards (ops/grafana)', () => {
  it('every PromQL expression parses (promtool check rules on a generated rule file)', async (t) => {
    const targets = await dashboardTargets();
    assert.ok(targets.length > 50, `only ${targets.length} expressions`);
    const missing = prometheusMissing();
    if (missing) return t.skip(missing);
    const dir = await mkdtemp(path.join(tmpdir(), 'cityassist-dashboards-'));
    try {
      const file = path.join(dir, 'dashboards.yml');
      const rules = targets.map((target, i) => ({
        record: `dashboard:check:${i}`,
        expr: withoutGrafanaVariables(target.expr),
        labels: { dashboard: target.dashboard },
      }));
      await writeFile(file, stringify({ groups: [{ name: 'dashboards', rules }] }));
      const out = await promtool(['check', 'rules', file]);
      assert.match(out, new RegExp(`SUCCESS: ${targets.length} rules found`));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('every expression selects at least one metric', async () => {
    for (const target of await dashboardTargets()) {
      assert.ok(metricNamesOf(target.expr).size > 0, `${target.dashboard} "${target.panel}": ${target.expr}`);
    }
  });

  it('metricNamesOf finds the names and nothing else', () => {
    assert.deepEqual(
      [
        ...metricNamesOf(
          'histogram_quantile(0.99, sum by (operation, le) (rate(graphql_request_duration_seconds_bucket{service="gateway",le="1"}[$__rate_interval]))) / ignoring (version) group_left sum(up offset 5m) and time() - etl_last_success_timestamp_seconds > 1e-9',
        ),
      ],
      ['graphql_request_duration_seconds_bucket', 'up', 'etl_last_success_timestamp_seconds'],
    );
  });
});

describe('SLOs (docs/slo.md)', () => {
  it('state an objective for every persisted operation in schema/operations', async () => {
    const slo = await readFile(path.join(ROOT, 'docs/slo.md'), 'utf8');
    const dir = path.join(ROOT, 'schema/operations');
    const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.graphql'));
    assert.ok(files.length > 10);
    for (const file of files) {
      const text = await readFile(path.join(dir, file), 'utf8');
      const name = /^(?:query|mutation|subscription)\s+(\w+)/m.exec(text)?.[1];
      assert.ok(name, `${file}: no named operation`);
      assert.match(slo, new RegExp(`^\\|[^\\n]*\`${name}\``, 'm'), `docs/slo.md has no row for ${name}`);
    }
  });
});
