/**
 * Observability against the running stack (on PGlite, with a Redis of its own so the Redis metrics
 * exist): every service's /metrics passes `promtool check metrics` and carries the brief's names,
 * every metric the dashboards and rules use exists in a live scrape (the ETL's included: the
 * embedded default runs the pipelines on start), and Debian's real Prometheus server, scraping every service each second with the real
 * rule file (its `for:` durations scaled from minutes to seconds), fires SubgraphDown when a
 * subgraph is killed, as its HTTP API reports. Skipped off CI when Debian's `prometheus` is missing.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { freePort, ROOT, SERVICES, type ServiceName } from '../scripts/stack.ts';
import {
  dashboardTargets,
  familiesOf,
  metricNamesOf,
  prometheusMissing,
  promtool,
  readRules,
  recordedNames,
  withoutGrafanaVariables,
  type RuleFile,
} from './observe-support.ts';
import { postGraphQL, startOwnRedis, startTestStack, type OwnRedis, type TestStack } from './support.ts';

const MANIFEST = path.join(ROOT, 'packages/client/src/generated/persisted-documents.json');

/** The brief's names (`cache_hits` is the counter `cache_hits_total`) where each service has them. */
const BRIEF_NAMES: Record<ServiceName, string[]> = {
  gateway: [
    'requests_total',
    'errors_total',
    'cache_hits_total',
    'graphql_request_duration_seconds',
    'circuit_state',
  ],
  zones: ['requests_total', 'errors_total'],
  // The image model's inputs are watched row by row (model_feature_psi); predictions' models by
  // day-windows against their training windows (model_feature_drift_alarm, docs/drift.md).
  reports: ['requests_total', 'errors_total', 'inference_time_seconds', 'model_version', 'model_feature_psi'],
  predictions: [
    'requests_total',
    'errors_total',
    'inference_time_seconds',
    'model_version',
    'cache_hits_total',
    'prediction_fallbacks_total',
    'model_feature_drift_alarm',
  ],
};

/** `for: 2m` → `2s`: the same rules, in seconds instead of minutes. */
function scaledRules(rules: RuleFile): RuleFile {
  const seconds = (d: string) =>
    [...d.matchAll(/(\d+)(ms|s|m|h|d)/g)].reduce(
      (sum, [, n, unit]) => sum + Number(n) * { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 }[unit!]!,
      0,
    );
  return {
    groups: rules.groups.map((g) => ({
      ...g,
      rules: g.rules.map((r) =>
        'alert' in r && r.for ? { ...r, for: `${Math.max(1, Math.round(seconds(r.for) / 60))}s` } : r,
      ),
    })),
  };
}

interface PromAlert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
}

describe('observability against the running stack', () => {
  let stack: (TestStack & AsyncDisposable) | undefined;
  let redis: OwnRedis | undefined;
  const missing = (() => {
    try {
      return prometheusMissing('promtool') ?? prometheusMissing('prometheus');
    } catch (err) {
      return err as Error;
    }
  })();
  const scrapes = new Map<ServiceName, string>();

  before(async () => {
    if (missing) return;
    redis = await startOwnRedis();
    const started = await startTestStack('PGlite', { env: { REDIS_URL: redis.url } });
    assert.ok(started, 'the stack started');
    stack = started;
    // Some traffic, so labelled series exist: a persisted operation, a text document, an error.
    const manifest = JSON.parse(await readFile(MANIFEST, 'utf8')) as Record<string, string>;
    const outlook = Object.entries(manifest).find(([, doc]) => /^query CityOutlook\b/.test(doc))![0];
    const res = await fetch(started.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ documentId: outlook }),
    });
    assert.equal(res.status, 200);
    await postGraphQL(started.gatewayUrl, '{ zones(first: 3) { edges { node { id reports { id } } } } }');
    await postGraphQL(started.gatewayUrl, '{ nope }');
    for (const name of SERVICES) {
      scrapes.set(name, await (await fetch(`${started.services[name].baseUrl}/metrics`)).text());
    }
  });
  after(async () => {
    await stack?.[Symbol.asyncDispose]();
    await redis?.[Symbol.asyncDispose]();
  });

  const skipWhy = (): string | undefined => {
    if (missing instanceof Error) throw missing;
    return missing;
  };

  it("every service's /metrics passes promtool check metrics and has the brief's names", async (t) => {
    const why = skipWhy();
    if (why) return t.skip(why);
    for (const name of SERVICES) {
      const text = scrapes.get(name)!;
      await promtool(['check', 'metrics'], text).catch((err: Error) => {
        throw new Error(`${name}: ${err.message}`);
      });
      const families = familiesOf(text);
      for (const metric of BRIEF_NAMES[name]) assert.ok(families.has(metric), `${name} lacks ${metric}`);
      assert.ok(families.has('process_memory_limit_bytes'), `${name} lacks process_memory_limit_bytes`);
    }
    // The gateway's per-operation histogram carries the persisted operation's name, and `other`.
    assert.match(
      scrapes.get('gateway')!,
      /^graphql_request_duration_seconds_count\{[^}]*operation="CityOutlook"/m,
    );
    assert.match(scrapes.get('gateway')!, /^requests_total\{operation="other"/m);
  });

  it('every metric the dashboards and rules use exists in a live scrape', async (t) => {
    const why = skipWhy();
    if (why) return t.skip(why);
    const scraped = new Set<string>(['up']);
    for (const text of scrapes.values()) {
      for (const samples of familiesOf(text).values()) for (const s of samples) scraped.add(s);
    }
    const rules = await readRules();
    const recorded = recordedNames(rules);
    const used = new Map<string, string>();
    for (const target of await dashboardTargets()) {
      for (const name of metricNamesOf(target.expr)) used.set(name, `${target.dashboard} "${target.panel}"`);
    }
    for (const group of rules.groups) {
      for (const rule of group.rules) {
        for (const name of metricNamesOf(rule.expr)) {
          used.set(name, `rules.yml ${'alert' in rule ? rule.alert : rule.record}`);
        }
      }
    }
    const unknown: string[] = [];
    for (const [name, where] of used) {
      if (!scraped.has(name) && !recorded.has(name)) unknown.push(`${name} (${where})`);
    }
    assert.deepEqual(unknown, [], 'metrics no service exports');
  });

  it('the real Prometheus server with the real rules fires SubgraphDown when a subgraph is killed', async (t) => {
    const why = skipWhy();
    if (why) return t.skip(why);
    const dir = await mkdtemp(path.join(tmpdir(), 'cityassist-prometheus-'));
    let prometheus: ChildProcess | undefined;
    try {
      await writeFile(path.join(dir, 'rules.yml'), stringify(scaledRules(await readRules())));
      const port = await freePort();
      const config = {
        global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
        rule_files: ['rules.yml'],
        scrape_configs: SERVICES.map((name) => ({
          job_name: name,
          static_configs: [{ targets: [`127.0.0.1:${stack!.services[name].port}`] }],
        })),
      };
      await writeFile(path.join(dir, 'prometheus.yml'), stringify(config));
      await promtool(['check', 'config', path.join(dir, 'prometheus.yml')]);
      let log = '';
      prometheus = spawn(
        'prometheus',
        [
          `--config.file=${path.join(dir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${path.join(dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--log.level=warn',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      prometheus.stdout!.on('data', (d: Buffer) => (log += d.toString()));
      prometheus.stderr!.on('data', (d: Buffer) => (log += d.toString()));
      const api = `http://127.0.0.1:${port}`;
      const get = async <T>(p: string): Promise<T> => {
        const body = (await (await fetch(`${api}${p}`)).json()) as {
          status: string;
          data: T;
          error?: string;
        };
        assert.equal(body.status, 'success', `${p}: ${body.error}`);
        return body.data;
      };
      const until = async <T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000) => {
        const deadline = Date.now() + ms;
        for (;;) {
          const value = await probe().catch(() => undefined);
          if (value !== undefined) return value;
          if (Date.now() > deadline) throw new Error(`${what} within ${ms} ms; Prometheus said:\n${log}`);
          await sleep(250);
        }
      };

      // Every service scraped.
      await until('every target up', async () => {
        const up = await get<{ result: { metric: { job: string }; value: [number, string] }[] }>(
          '/api/v1/query?query=up',
        );
        const live = up.result.filter((r) => r.value[1] === '1').map((r) => r.metric.job);
        return SERVICES.every((s) => live.includes(s)) ? true : undefined;
      });
      // The rule file loaded as it is, every group.
      const groups = await get<{ groups: { name: string; rules: unknown[] }[] }>('/api/v1/rules');
      assert.deepEqual(
        groups.groups.map((g) => g.name).sort(),
        (await readRules()).groups.map((g) => g.name).sort(),
      );
      // Every dashboard expression evaluates against the live data.
      for (const target of await dashboardTargets()) {
        await get(`/api/v1/query?query=${encodeURIComponent(withoutGrafanaVariables(target.expr))}`);
      }
      const alerts = async () => (await get<{ alerts: PromAlert[] }>('/api/v1/alerts')).alerts;
      assert.deepEqual(
        (await alerts()).filter((a) => a.labels['alertname'] === 'SubgraphDown'),
        [],
        'nothing is down yet',
      );

      stack!.services.zones.process.kill('SIGKILL');
      const killedAt = Date.now();
      const firing = await until('SubgraphDown firing for zones', async () =>
        (await alerts()).find(
          (a) =>
            a.labels['alertname'] === 'SubgraphDown' && a.labels['job'] === 'zones' && a.state === 'firing',
        ),
      );
      assert.equal(firing.labels['severity'], 'page');
      t.diagnostic(`SubgraphDown fired ${Date.now() - killedAt} ms after kill -9 (for: 1m scaled to 1s)`);
      // Only the killed subgraph.
      const down = (await alerts()).filter((a) => a.labels['alertname'] === 'SubgraphDown');
      assert.deepEqual(
        down.map((a) => a.labels['job']),
        ['zones'],
      );
    } finally {
      prometheus?.kill('SIGTERM');
      if (prometheus && prometheus.exitCode === null) {
        await new Promise((resolve) => prometheus!.once('exit', resolve));
      }
      await rm(dir, { recursive: true, force: true });
    }
  });
});
