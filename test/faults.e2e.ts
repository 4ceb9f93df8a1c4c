/**
 * Fault injection under a steady load: the whole stack on a Postgres and a Redis of this suite's
 * own (never the machine's shared ones), each subgraph killed (-9), stopped (SIGSTOP) and
 * terminated (SIGTERM), Redis and Postgres stopped, then each brought back. Readers ask for a
 * zone's dashboard panel (three subgraphs) and writers file reports with an Idempotency-Key,
 * retrying what failed as a careful client does. After each fault: no accepted report lost, none
 * duplicated, only the documented codes, no request slower than the upstream timeout plus a margin,
 * and recovery without restarting the services that stayed up. Each run prints one
 * `fault-run` line for the table in the docs (docs/operations.md).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startOwnPostgres, type OwnPostgres } from '@cityassist/db';
import { ROOT, type ServiceName } from '../scripts/stack.ts';
import { startOwnRedis, startTestStack, type OwnRedis, type TestStack } from './support.ts';

const MANIFEST = path.join(ROOT, 'packages/client/src/generated/persisted-documents.json');
const UPSTREAM_TIMEOUT_MS = 2000;
/** What a request may take beyond the upstream timeout: a retry of a lost connection, the queue. */
const MARGIN_MS = 2500;
const ZONES = ['260960005000001', '260960005000042', '260960005000120', '260960005000300'];

async function documentId(operation: string): Promise<string> {
  const manifest = JSON.parse(await readFile(MANIFEST, 'utf8')) as Record<string, string>;
  const entry = Object.entries(manifest).find(([, doc]) =>
    new RegExp(`^(query|mutation) ${operation}\\b`).test(doc),
  );
  assert.ok(entry, `no persisted ${operation}`);
  return entry[0];
}

interface Tally {
  requests: number;
  errors: Record<string, number>;
  slowestMs: number;
  /** Reports the service confirmed (key → id). */
  accepted: Map<string, string>;
  /** Every key a writer sent, confirmed or not. */
  attempted: Set<string>;
}

const note = (tally: Tally, code: string) => (tally.errors[code] = (tally.errors[code] ?? 0) + 1);

describe('faults under load', () => {
  let pg: OwnPostgres;
  let redis: OwnRedis;
  let stack: (TestStack & AsyncDisposable) | undefined;
  let zoneOutlook: string;
  let createReport: string;
  const run = randomUUID().slice(0, 8);

  before(async () => {
    pg = await startOwnPostgres();
    redis = await startOwnRedis();
    stack = await startTestStack('PGlite', {
      env: {
        DATABASE_URL: pg.url,
        REDIS_URL: redis.url,
        UPSTREAM_TIMEOUT_MS: String(UPSTREAM_TIMEOUT_MS),
        CIRCUIT_BREAKER_FAILURES: '3',
        CIRCUIT_BREAKER_OPEN_SECONDS: '2',
        RATE_LIMIT_PER_IP: '100000',
        RATE_LIMIT_PER_KEY: '100000',
        RESPONSE_CACHE_TTL_MS: '0',
        FLOOD_RESCORE_SECONDS: '0',
      },
    });
    zoneOutlook = await documentId('ZoneOutlook');
    createReport = await documentId('CreateReport');
  });
  after(async () => {
    await stack?.[Symbol.asyncDispose]();
    await redis?.[Symbol.asyncDispose]();
    await pg?.[Symbol.asyncDispose]();
  });

  const admin = () => ({ 'x-api-key': stack!.apiKeys.admin });
  const post = async (body: unknown, headers: Record<string, string> = {}, timeoutMs = 20_000) => {
    const began = performance.now();
    try {
      const res = await fetch(stack!.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...admin(), ...headers },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const json = (await res.json().catch(() => ({}))) as { data?: any; errors?: any[] };
      return { status: res.status, ...json, ms: performance.now() - began };
    } catch (err) {
      return {
        status: 0,
        errors: [{ extensions: { code: `NETWORK:${(err as Error).name}` } }],
        ms: performance.now() - began,
      };
    }
  };

  /** Readers and writers until `stop` resolves; returns what they saw. Keys never repeat across runs. */
  function load(stop: Promise<void>, label: string): Promise<Tally> {
    const tally: Tally = { requests: 0, errors: {}, slowestMs: 0, accepted: new Map(), attempted: new Set() };
    let done = false;
    void stop.then(() => (done = true));
    const reader = async (i: number) => {
      while (!done) {
        const res = await post({ documentId: zoneOutlook, variables: { id: ZONES[i % ZONES.length] } });
        tally.requests += 1;
        tally.slowestMs = Math.max(tally.slowestMs, res.ms);
        for (const e of res.errors ?? []) note(tally, e.extensions?.code ?? 'NO_CODE');
        await sleep(40);
      }
    };
    let n = 0;
    const writer = async () => {
      while (!done) {
        const key = `${run}-${label}-${(n += 1)}`;
        tally.attempted.add(key);
        // A careful client: the same key until the answer is a report, or the run ends.
        for (let attempt = 0; !done || attempt === 0; attempt++) {
          const res = await post(
            {
              documentId: createReport,
              variables: {
                input: { zoneId: ZONES[n % ZONES.length], description: `fault ${key}`, category: 'GARBAGE' },
              },
            },
            { 'idempotency-key': key },
          );
          tally.requests += 1;
          tally.slowestMs = Math.max(tally.slowestMs, res.ms);
          const id = res.data?.createReport?.id as string | undefined;
          if (id) {
            tally.accepted.set(key, id);
            break;
          }
          for (const e of res.errors ?? []) note(tally, e.extensions?.code ?? 'NO_CODE');
          await sleep(100);
        }
        await sleep(60);
      }
    };
    return Promise.all([reader(0), reader(1), reader(2), writer()]).then(() => tally);
  }

  /** Reports of this run per key, read back through the graph once everything is up again. */
  async function storedKeys(prefix: string): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    let after: string | null = null;
    for (;;) {
      const res = await post({
        query:
          'query($after: String) { reports(first: 100, after: $after) { pageInfo { hasNextPage endCursor } edges { node { id description } } } }',
        variables: { after },
      });
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      for (const e of res.data.reports.edges) {
        const m = /^fault (\S+)$/.exec(e.node.description as string);
        if (m?.[1]?.startsWith(prefix)) counts.set(m[1], (counts.get(m[1]) ?? 0) + 1);
      }
      if (!res.data.reports.pageInfo.hasNextPage) return counts;
      after = res.data.reports.pageInfo.endCursor;
    }
  }

  /** Milliseconds from now until the dashboard panel answers whole again. */
  async function untilRecovered(limitMs = 60_000): Promise<number> {
    const began = performance.now();
    for (;;) {
      const res = await post({ documentId: zoneOutlook, variables: { id: ZONES[0] } }, {}, 5000);
      if (res.status === 200 && !res.errors?.length && res.data?.zone?.floodRisk && res.data.zone.reports) {
        return Math.round(performance.now() - began);
      }
      if (performance.now() - began > limitMs) {
        throw new Error(`not recovered in ${limitMs} ms: ${JSON.stringify(res)}`);
      }
      await sleep(100);
    }
  }

  const faults: {
    name: string;
    allowed: string[];
    inject: () => Promise<void>;
    recover: () => Promise<void>;
  }[] = [
    {
      name: 'reports kill -9',
      allowed: ['SUBGRAPH_UNAVAILABLE'],
      inject: () => Promise.resolve(void stack!.services.reports.process.kill('SIGKILL')),
      recover: () => stack!.restartService('reports'),
    },
    {
      // Mutations in flight when it stops commit when it resumes, after the gateway gave up on them:
      // the client's retry must find the first report, not file a second.
      name: 'reports SIGSTOP (hung)',
      allowed: ['SUBGRAPH_UNAVAILABLE'],
      inject: () => Promise.resolve(void stack!.services.reports.process.kill('SIGSTOP')),
      recover: () => Promise.resolve(void stack!.services.reports.process.kill('SIGCONT')),
    },
    {
      name: 'predictions SIGSTOP (hung)',
      allowed: ['SUBGRAPH_UNAVAILABLE'],
      inject: () => Promise.resolve(void stack!.services.predictions.process.kill('SIGSTOP')),
      recover: () => Promise.resolve(void stack!.services.predictions.process.kill('SIGCONT')),
    },
    {
      name: 'zones SIGTERM (rolling restart)',
      allowed: ['SUBGRAPH_UNAVAILABLE'],
      inject: () => Promise.resolve(void stack!.services.zones.process.kill('SIGTERM')),
      recover: () => stack!.restartService('zones'),
    },
    {
      name: 'reports SIGTERM (rolling restart)',
      allowed: ['SUBGRAPH_UNAVAILABLE'],
      inject: () => Promise.resolve(void stack!.services.reports.process.kill('SIGTERM')),
      recover: () => stack!.restartService('reports'),
    },
    {
      name: 'predictions SIGTERM (rolling restart)',
      allowed: ['SUBGRAPH_UNAVAILABLE'],
      inject: () => Promise.resolve(void stack!.services.predictions.process.kill('SIGTERM')),
      recover: () => stack!.restartService('predictions'),
    },
    {
      // Clients meet refused connections while it is away (one replica here); what it had in
      // flight when told to stop is answered before it exits.
      name: 'gateway SIGTERM (rolling restart)',
      allowed: ['NETWORK:TypeError'],
      inject: () => Promise.resolve(void stack!.services.gateway.process.kill('SIGTERM')),
      recover: () => stack!.restartService('gateway'),
    },
    {
      name: 'Redis SIGSTOP (hung)',
      allowed: [],
      inject: () => redis.pause(),
      recover: () => redis.resume(),
    },
    {
      name: 'Redis down',
      allowed: [],
      inject: () => redis.stop(),
      recover: () => redis.start(),
    },
    {
      name: 'Postgres down',
      allowed: ['SERVICE_UNAVAILABLE', 'SUBGRAPH_UNAVAILABLE'],
      inject: () => pg.stop({ mode: 'fast' }),
      recover: () => pg.start(),
    },
  ];

  for (const [index, fault] of faults.entries()) {
    it(`EXPECTED FAILURE - ${fault.name}: nothing lost or duplicated, documented codes, bounded latency, recovery`, async () => {
      const restartsBefore = Object.fromEntries(
        (Object.keys(stack!.services) as ServiceName[]).map((s) => [s, stack!.services[s].process.pid]),
      );
      let release!: () => void;
      const stopped = new Promise<void>((r) => (release = r));
      const label = `f${index}`;
      const running = load(stopped, label);
      let recoveredMs: number;
      try {
        await sleep(1500);
        await fault.inject();
        await sleep(4000);
        await fault.recover();
        recoveredMs = await untilRecovered();
        await sleep(1000);
      } catch (err) {
        for (const svc of Object.values(stack!.services)) {
          console.error(`--- ${svc.name}\n${svc.output().split('\n').slice(-15).join('\n')}`);
        }
        throw err;
      } finally {
        // The load stops whatever happened, or it would keep the test process alive.
        release();
      }
      const tally = await running;
      const stored = await storedKeys(`${run}-${label}-`);
      const lost = [...tally.accepted.keys()].filter((k) => !stored.has(k));
      const duplicated = [...stored].filter(([, count]) => count > 1).map(([k]) => k);
      const unexpected = Object.keys(tally.errors).filter((c) => !fault.allowed.includes(c));
      console.log(
        `fault-run ${JSON.stringify({
          fault: fault.name,
          requests: tally.requests,
          errors: tally.errors,
          accepted: tally.accepted.size,
          lost: lost.length,
          duplicated: duplicated.length,
          slowestMs: Math.round(tally.slowestMs),
          recoveredMs,
        })}`,
      );
      assert.deepEqual(lost, [], 'no accepted report is lost');
      assert.deepEqual(duplicated, [], 'no report is filed twice');
      assert.deepEqual(unexpected, [], `only ${fault.allowed.join(', ') || 'no'} errors`);
      assert.ok(
        tally.slowestMs < UPSTREAM_TIMEOUT_MS + MARGIN_MS,
        `the slowest request took ${Math.round(tally.slowestMs)} ms`,
      );
      // The services the fault did not touch kept running: recovery needed no restart of theirs.
      for (const [name, pid] of Object.entries(restartsBefore)) {
        if (!fault.name.startsWith(name)) {
          const { process: child } = stack!.services[name as ServiceName];
          assert.equal(child.exitCode, null, `${name} is still running (it did not crash)`);
          assert.equal(child.pid, pid, `${name} was not restarted`);
        }
      }
    });
  }

  it("EXPECTED FAILURE - each subgraph down: every persisted dashboard and backend operation keeps the other subgraphs' fields", async () => {
    const operations: [string, Record<string, unknown>, string][] = [
      ['AllZonesFloodRisk', {}, 'zones'],
      ['CityOutlook', {}, 'zones'],
      ['ZoneOutlook', { id: ZONES[1] }, 'zone'],
      ['ZoneAt', { lat: -7.9928, lon: -34.8617 }, 'zoneAt'],
      ['ZonesPage', { first: 20 }, 'zones'],
    ];
    const outcomes: Record<string, string> = {};
    for (const down of ['reports', 'predictions', 'zones'] as const) {
      stack!.services[down].process.kill('SIGKILL');
      await sleep(300);
      for (const [operation, variables, root] of operations) {
        const res = await post({ documentId: await documentId(operation), variables });
        const named = (res.errors ?? []).map(
          (e: any) => `${e.extensions?.code}:${e.extensions?.serviceName}`,
        );
        outcomes[`${down} down, ${operation}`] =
          `${res.data?.[root] ? 'data' : 'null'} ${[...new Set(named)].join(' ')}`;
        assert.ok(
          named.every((n: string) => n === `SUBGRAPH_UNAVAILABLE:${down}`),
          `${operation} with ${down} down: ${JSON.stringify(res.errors)}`,
        );
        if (down !== 'zones') assert.ok(res.data?.[root], `${operation} keeps its zones with ${down} down`);
        else assert.ok(named.length > 0, `${operation} names the zones subgraph`);
      }
      await stack!.restartService(down);
    }
    console.log(`partial-data ${JSON.stringify(outcomes)}`);
  });
});

describe('Redis away from the start', () => {
  let redis: OwnRedis;
  let stack: (TestStack & AsyncDisposable) | undefined;

  before(async () => {
    redis = await startOwnRedis({ started: false });
    stack = await startTestStack('PGlite', { env: { REDIS_URL: redis.url, RESPONSE_CACHE_TTL_MS: '30000' } });
  });
  after(async () => {
    await stack?.[Symbol.asyncDispose]();
    await redis?.[Symbol.asyncDispose]();
  });

  const ready = async (baseUrl: string) => {
    const res = await fetch(`${baseUrl}/ready`);
    return { status: res.status, body: (await res.json()) as { degraded?: string[] } };
  };
  const metric = async (baseUrl: string, pattern: RegExp) =>
    Number(pattern.exec(await (await fetch(`${baseUrl}/metrics`)).text())?.[1] ?? NaN);

  it('EXPECTED FAILURE - every service starts, serves and stays ready without Redis, says so, and connects when Redis comes', async () => {
    const { services } = stack!;
    for (const name of ['gateway', 'reports', 'predictions'] as const) {
      const r = await ready(services[name].baseUrl);
      assert.equal(r.status, 200, `${name} is ready without Redis`);
      assert.deepEqual(r.body.degraded, ['redis'], `${name} says what it is missing`);
      assert.match(services[name].output(), /Redis not reachable at start \(REDIS_URL\)/);
    }
    const began = performance.now();
    const res = await fetch(stack!.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ zones(first: 3) { edges { node { id floodRisk { level } } } } }' }),
    });
    assert.equal(res.status, 200);
    assert.ok(performance.now() - began < 2000, 'answered without waiting for Redis');
    // A report filed now announces itself to no other replica: counted, not silently lost.
    const created = await fetch(stack!.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': stack!.apiKeys.admin },
      body: JSON.stringify({
        query:
          'mutation { createReport(input: { zoneId: "260960005000042", description: "no redis", category: GARBAGE }) { id } }',
      }),
    });
    assert.ok((await created.json()).data.createReport.id);
    assert.ok(
      (await metric(
        services.reports.baseUrl,
        /^events_dropped_total\{[^}]*topic="REPORT_SUBMITTED[^}]*\} (\S+)/m,
      )) >= 1,
    );
    assert.equal(await metric(services.gateway.baseUrl, /^redis_up\{[^}]*client="gateway"[^}]*\} (\S+)/m), 0);

    await redis.start();
    for (let i = 0; i < 100; i++) {
      const all = await Promise.all(
        (['gateway', 'reports', 'predictions'] as const).map((n) => ready(services[n].baseUrl)),
      );
      if (all.every((r) => r.body.degraded?.length === 0)) break;
      await sleep(100);
    }
    for (const name of ['gateway', 'reports', 'predictions'] as const) {
      assert.deepEqual((await ready(services[name].baseUrl)).body.degraded, [], `${name} connected to Redis`);
    }
    assert.equal(await metric(services.gateway.baseUrl, /^redis_up\{[^}]*client="gateway"[^}]*\} (\S+)/m), 1);
  });
});
