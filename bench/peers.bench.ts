/**
 * `npm run bench:peers` (part of `npm run bench`): our stack beside two peers, started by this
 * script and measured in the same run (issue 20; the machines are shared and noisy, so read the
 * ratios):
 *
 * - the brief's own design (bench/peers/fastapi_peer.py: FastAPI + uvicorn + xgboost, features in
 *   memory, the same flood booster, one worker), on the brief's contract POST /api/v1/predict/flood;
 * - `@apollo/gateway` (bench/peers/apollo-gateway.ts) in front of our own subgraphs.
 *
 * Our stack runs as `npm start` does (four processes, PGlite, empty data folder) with the response
 * and prediction caches off. Every load is of distinct requests (distinct zones, distinct pages), so
 * no gateway merges identical in-flight subgraph requests. Before timing anything, the bench checks
 * that the peers answer what we answer (the same probability and top features per zone; the same
 * zone through Apollo), so the comparison is of equal work.
 *
 * It prints one JSON report and, last, a table of the targets with `met` true or false. A
 * missed target is reported, never an exit code: the machines are shared.
 *
 *   npm run bench:peers -- [--seconds 5 --runs 150 --rounds 3] [--baseline <git ref>]
 *
 * Every workload's contenders (our gateway, the same with the Rust planner, the peer, and with
 * --baseline that commit's stack, unpacked by bench/baseline-tree.ts) are measured interleaved, in
 * rotating order, `rounds` times; each keeps its median round. With --baseline a last table gives
 * every figure of ours before and after, from the same run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { GATEWAY_SECRET_HEADER } from '@cityassist/service-kit';
import { freePort, ROOT, SERVICES, startStack, type Stack } from '../scripts/stack.ts';
import { postGraphQL } from '../test/support.ts';
import { unpackBaseline } from './baseline-tree.ts';
import { ratio, UNCACHED_STACK_ENV } from './lib.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    runs: { type: 'string', default: '150' },
    connections: { type: 'string', default: '32' },
    /** A git ref whose stack runs after ours, in the same run: every figure of ours before and after. */
    baseline: { type: 'string' },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const runs = Number(values.runs);
const connections = Number(values.connections);
const SECRET = 'bench-secret-that-is-at-least-32-chars';
const PYTHON = '/usr/bin/python3';
const FLOOD_DIR = path.join(ROOT, 'models/flood/1.2.0');

const ZONE_FLOOD = `query($id: ID!) { zone(id: $id) { id floodRisk { probability level explain(top: 5) { feature contribution } } } }`;
const SMALL = 'query($id: ID!) { zone(id: $id) { id name population elevationMean } }';
const OUTLOOK = readFileSync(path.join(ROOT, 'schema/operations/dashboard/CityOutlook.graphql'), 'utf8');
const PAGE = `query($after: String) { zones(first: 100, after: $after) { edges { node { id floodRisk { score level } } } } }`;

interface Target {
  url: string;
  headers?: Record<string, string>;
  /** Partial answers are fine (CityOutlook's zones beyond every sensor answer FORECAST_UNAVAILABLE). */
  allowErrors?: boolean;
  /** The JSON body of request i (distinct i, distinct work). */
  body: (i: number) => unknown;
}

/** p50 of `runs` sequential requests, one after another. */
async function latency(t: Target, n = runs, warm = 20): Promise<{ p50Ms: number; p95Ms: number }> {
  const times: number[] = [];
  for (let i = 0; i < n + warm; i++) {
    const t0 = performance.now();
    const res = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...t.headers },
      body: JSON.stringify(t.body(i)),
    });
    const text = await res.text();
    if (!res.ok || (!t.allowErrors && text.includes('"errors"'))) {
      throw new Error(`${t.url}: ${res.status} ${text.slice(0, 300)}`);
    }
    if (i >= warm) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const at = (p: number) =>
    Math.round(times[Math.min(times.length - 1, Math.floor(p * times.length))]! * 100) / 100;
  return { p50Ms: at(0.5), p95Ms: at(0.95) };
}

/** Requests per second with `connections` keep-alive connections for `seconds`, distinct bodies. */
async function throughput(t: Target): Promise<{ requestsPerSecond: number; p50Ms: number; errors: number }> {
  let i = 0;
  const result = await autocannon({
    url: t.url,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => ({
          ...req,
          headers: { 'content-type': 'application/json', ...t.headers },
          body: JSON.stringify(t.body(i++)),
        }),
      },
    ],
  });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    errors: result.errors + result.non2xx + result.timeouts,
  };
}

/** Resident memory of a process, in MiB, from /proc. */
function rssMiB(pid: number | undefined): number {
  if (!pid) return Number.NaN;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024);
}

/** Starts a peer and waits until `ready` answers. */
async function startPeer(cmd: string, args: string[], readyUrl: string, env = {}): Promise<ChildProcess> {
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  process.once('exit', () => child.kill('SIGKILL'));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${cmd} ${args[0]} exited: ${output}`);
    try {
      const res = await fetch(readyUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      await res.body?.cancel();
      return child;
    } catch {
      if (Date.now() > deadline) throw new Error(`${cmd} ${args[0]} did not start: ${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

async function stopPeer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

const env = { ...UNCACHED_STACK_ENV, GATEWAY_SECRET: SECRET };

type StartStack = typeof startStack;

/** `npm start`'s stack (of this tree or a baseline's) on a data folder, and how long it took. */
async function timedStart(start: StartStack, dir: string): Promise<{ stack: Stack; seconds: number }> {
  const t0 = performance.now();
  const stack = await start({ env: { ...env, DATA_DIR: dir } });
  return { stack, seconds: Math.round((performance.now() - t0) / 100) / 10 };
}

/** A stack started from empty and again from its warm data folder, kept running. */
async function startTwice(start: StartStack, dir: string) {
  const cold = await timedStart(start, dir);
  await cold.stack.stop();
  const warm = await timedStart(start, dir);
  return { stack: warm.stack, start: { emptyDataFolder: cold.seconds, warmDataFolder: warm.seconds } };
}

type Latency = Awaited<ReturnType<typeof latency>>;
type Throughput = Awaited<ReturnType<typeof throughput>>;
interface Figures {
  latency: Latency;
  throughput: Throughput | undefined;
}

const median = <T>(xs: T[], key: (x: T) => number): T =>
  [...xs].sort((a, b) => key(a) - key(b))[xs.length >> 1]!;

/**
 * Every contender of one workload, interleaved: `rounds` rounds, each contender measured in turn
 * (the order rotating), and each contender's median round kept, so a burst of load elsewhere on
 * the machine falls on all of them alike.
 */
async function contest(
  contenders: Record<string, Target>,
  opts: { runs?: number; warm?: number; throughput?: boolean } = {},
): Promise<Record<string, Figures>> {
  const names = Object.keys(contenders);
  const lat = new Map<string, Latency[]>(names.map((n) => [n, []]));
  const thr = new Map<string, Throughput[]>(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]!);
    for (const n of order) lat.get(n)!.push(await latency(contenders[n]!, opts.runs, opts.warm));
    if (opts.throughput === false) continue;
    for (const n of order) thr.get(n)!.push(await throughput(contenders[n]!));
  }
  return Object.fromEntries(
    names.map((n) => [
      n,
      {
        latency: median(lat.get(n)!, (x) => x.p50Ms),
        throughput: thr.get(n)!.length ? median(thr.get(n)!, (x) => x.requestsPerSecond) : undefined,
      },
    ]),
  );
}

interface Workload {
  ids: string[];
  cursors: (string | null)[];
}

const zoneBody = (w: Workload, q: string) => (i: number) => ({
  query: q,
  variables: { id: w.ids[i % w.ids.length] },
});
const restBody = (w: Workload) => (i: number) => ({ zone_id: w.ids[i % w.ids.length] });
const pageBody = (w: Workload) => (i: number) => ({
  query: PAGE,
  variables: { after: w.cursors[i % w.cursors.length] },
});

const memoryOf = (stack: Stack) => {
  const perService = Object.fromEntries(
    SERVICES.map((s) => [s, rssMiB(stack.services[s].process.pid)]),
  ) as Record<(typeof SERVICES)[number], number>;
  return { ...perService, stack: Object.values(perService).reduce((a, b) => a + b, 0) };
};

const dirs: string[] = [];
const folder = async () => {
  const d = await mkdtemp(path.join(tmpdir(), 'cityassist-peers-'));
  dirs.push(d);
  return d;
};
const peers: ChildProcess[] = [];
const stacks: Stack[] = [];
const baselineTree = values.baseline ? await unpackBaseline(values.baseline) : undefined;
try {
  const mine = await startTwice(startStack, await folder());
  const { stack } = mine;
  stacks.push(stack);
  const gql = stack.gatewayUrl;
  const gatewayBase = new URL(gql).origin;
  const rest = `${gatewayBase}/api/v1/predict/flood`;
  const before = baselineTree
    ? await startTwice(
        (
          (await import(path.join(baselineTree.root, 'scripts/stack.ts'))) as {
            startStack: StartStack;
          }
        ).startStack,
        await folder(),
      )
    : undefined;
  if (before) stacks.push(before.stack);

  // The zones, their cursors and the inputs our graph scored them from: the peer's memory.
  const listing = await postGraphQL(
    gql,
    '{ zones(first: 500) { edges { cursor node { id name floodRisk { probability inputs { feature value } } } } } }',
  );
  type Edge = {
    cursor: string;
    node: {
      id: string;
      name: string;
      floodRisk: { probability: number; inputs: { feature: string; value: number | null }[] };
    };
  };
  const edges = (listing.data!['zones'] as { edges: Edge[] }).edges;
  const w: Workload = {
    ids: edges.map((e) => e.node.id),
    cursors: [null, ...edges.slice(0, -100).map((e) => e.cursor)],
  };
  const featuresFile = path.join(await folder(), 'peer-features.json');
  await writeFile(
    featuresFile,
    JSON.stringify({
      zones: edges.map((e) => ({
        id: e.node.id,
        name: e.node.name,
        features: Object.fromEntries(e.node.floodRisk.inputs.map((x) => [x.feature, x.value])),
      })),
    }),
  );

  const fastapiPort = await freePort();
  const fastapiUrl = `http://127.0.0.1:${fastapiPort}/api/v1/predict/flood`;
  const fastapi = await startPeer(
    PYTHON,
    [
      'bench/peers/fastapi_peer.py',
      '--port',
      String(fastapiPort),
      '--features',
      featuresFile,
      '--flood',
      FLOOD_DIR,
    ],
    fastapiUrl,
  );
  peers.push(fastapi);
  const apolloPort = await freePort();
  const apolloUrl = `http://127.0.0.1:${apolloPort}/`;
  const subgraphArgs = SERVICES.filter((s) => s !== 'gateway').flatMap((s) => [
    '--subgraph',
    `${s}=${stack.services[s].baseUrl}/graphql`,
  ]);
  const apollo = await startPeer(
    process.execPath,
    ['--import', 'tsx', 'bench/peers/apollo-gateway.ts', '--port', String(apolloPort), ...subgraphArgs],
    apolloUrl,
    { GATEWAY_SECRET: SECRET, NODE_ENV: 'production' },
  );
  peers.push(apollo);
  // The same gateway with Hive Router's Rust planner (QUERY_PLANNER=rust), on the same subgraphs.
  const rust = await stack.startReplica('gateway', { QUERY_PLANNER: 'rust' });

  // Equal work: the peers answer what we answer.
  const post = async (url: string, body: unknown) =>
    (await (
      await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    ).json()) as { probability: number; explain: { feature: string }[] };
  for (const id of w.ids.slice(0, 20)) {
    const ourAnswer = await post(rest, { zone_id: id });
    const theirs = await post(fastapiUrl, { zone_id: id });
    if (
      Math.abs(ourAnswer.probability - theirs.probability) > 1e-5 ||
      ourAnswer.explain[0]?.feature !== theirs.explain[0]?.feature
    ) {
      throw new Error(
        `zone ${id}: ours ${JSON.stringify(ourAnswer)} and the FastAPI peer's ${JSON.stringify(theirs)} differ`,
      );
    }
    const viaApollo = await postGraphQL(apolloUrl, SMALL, { id });
    const viaHive = await postGraphQL(gql, SMALL, { id });
    if (JSON.stringify(viaApollo.data) !== JSON.stringify(viaHive.data)) {
      throw new Error(
        `zone ${id}: Apollo answered ${JSON.stringify(viaApollo)}, we ${JSON.stringify(viaHive)}`,
      );
    }
  }

  // Our gateways: this tree's (Hive's JS planner), the same with the Rust planner, the baseline's.
  const gateways: Record<string, string> = { ours: gatewayBase, oursRustPlanner: rust.baseUrl };
  if (before) gateways['baseline'] = new URL(before.stack.gatewayUrl).origin;
  const via = (make: (base: string) => Target) =>
    Object.fromEntries(Object.entries(gateways).map(([name, base]) => [name, make(base)]));
  const results = {
    floodGraphQL: await contest(via((b) => ({ url: `${b}/graphql`, body: zoneBody(w, ZONE_FLOOD) }))),
    floodRest: await contest({
      ...via((b) => ({ url: `${b}/api/v1/predict/flood`, body: restBody(w) })),
      fastapi: { url: fastapiUrl, body: restBody(w) },
    }),
    small: await contest({
      ...via((b) => ({ url: `${b}/graphql`, body: zoneBody(w, SMALL) })),
      apollo: { url: apolloUrl, body: zoneBody(w, SMALL) },
      subgraph: {
        url: `${stack.services.zones.baseUrl}/graphql`,
        headers: { [GATEWAY_SECRET_HEADER]: SECRET },
        body: zoneBody(w, SMALL),
      },
    }),
    page: await contest({
      ...via((b) => ({ url: `${b}/graphql`, body: pageBody(w) })),
      apollo: { url: apolloUrl, body: pageBody(w) },
    }),
    // The dashboard's persisted query, cold (caches off): every zone, flood with explain, 24 h AQI.
    outlook: await contest(
      via((b) => ({ url: `${b}/graphql`, allowErrors: true, body: () => ({ query: OUTLOOK }) })),
      { runs: 10, warm: 2, throughput: false },
    ),
  };
  const memory = {
    ours: memoryOf(stack),
    oursRustPlannerGateway: rssMiB(rust.process.pid),
    apolloGateway: rssMiB(apollo.pid),
    fastapi: rssMiB(fastapi.pid),
    baseline: before && memoryOf(before.stack),
  };

  const p50 = (r: Figures | undefined) => r?.latency.p50Ms ?? Number.NaN;
  const rps = (r: Figures | undefined) => r?.throughput?.requestsPerSecond ?? Number.NaN;
  const { floodGraphQL, floodRest, small, page, outlook } = results;
  const fast = floodRest['fastapi'];
  const targets = [
    ['one zone flood+explain p50: GraphQL / FastAPI', ratio(p50(floodGraphQL['ours']), p50(fast)), '≤ 1'],
    ['one zone flood+explain p50: REST / FastAPI', ratio(p50(floodRest['ours']), p50(fast)), '≤ 1'],
    ['… Rust planner: GraphQL / FastAPI', ratio(p50(floodGraphQL['oursRustPlanner']), p50(fast)), '≤ 1'],
    [
      `one zone flood+explain throughput (${connections} connections): GraphQL / FastAPI`,
      ratio(rps(floodGraphQL['ours']), rps(fast)),
      '≥ 1',
    ],
    ['one zone flood+explain throughput: REST / FastAPI', ratio(rps(floodRest['ours']), rps(fast)), '≥ 1'],
    ['… Rust planner: GraphQL / FastAPI', ratio(rps(floodGraphQL['oursRustPlanner']), rps(fast)), '≥ 1'],
    ['small zone(id) p50: ours / Apollo', ratio(p50(small['ours']), p50(small['apollo'])), '≤ 1'],
    ['… Rust planner: ours / Apollo', ratio(p50(small['oursRustPlanner']), p50(small['apollo'])), '≤ 1'],
    [
      'small zone(id) p50: ours / the subgraph alone',
      ratio(p50(small['ours']), p50(small['subgraph'])),
      '≤ 1.5',
    ],
    [
      'zones(first: 100) { floodRisk } throughput: ours / Apollo',
      ratio(rps(page['ours']), rps(page['apollo'])),
      '≥ 2',
    ],
    ['… Rust planner: ours / Apollo', ratio(rps(page['oursRustPlanner']), rps(page['apollo'])), '≥ 2'],
    ['gateway resident memory: ours / Apollo', ratio(memory.ours.gateway, memory.apolloGateway), '≤ 1'],
    ['… Rust planner: ours / Apollo', ratio(memory.oursRustPlannerGateway, memory.apolloGateway), '≤ 1'],
    ['whole stack resident memory, MiB', memory.ours.stack, '≤ 1229'],
    ['npm start to ready, empty data folder, s', mine.start.emptyDataFolder, '≤ 15'],
    ['npm start to ready, warm data folder, s', mine.start.warmDataFolder, '≤ 10'],
  ].map(([what, value, target]) => {
    const [op, bound] = (target as string).split(' ') as ['≤' | '≥', string];
    const v = value as number;
    return { what, value: v, target, met: op === '≤' ? v <= Number(bound) : v >= Number(bound) };
  });

  // After over before, measured interleaved in this run, for every figure of ours.
  const beforeAfter =
    before &&
    (
      [
        ['one zone flood+explain p50, GraphQL, ms', p50(floodGraphQL['baseline']), p50(floodGraphQL['ours'])],
        ['one zone flood+explain p50, REST, ms', p50(floodRest['baseline']), p50(floodRest['ours'])],
        ['one zone flood+explain, GraphQL, req/s', rps(floodGraphQL['baseline']), rps(floodGraphQL['ours'])],
        ['one zone flood+explain, REST, req/s', rps(floodRest['baseline']), rps(floodRest['ours'])],
        ['small zone(id) p50, ms', p50(small['baseline']), p50(small['ours'])],
        ['small zone(id), req/s', rps(small['baseline']), rps(small['ours'])],
        ['zones(first: 100) { floodRisk }, req/s', rps(page['baseline']), rps(page['ours'])],
        ['CityOutlook cold p50, ms', p50(outlook['baseline']), p50(outlook['ours'])],
        [
          'CityOutlook cold p95, ms',
          outlook['baseline']?.latency.p95Ms ?? Number.NaN,
          outlook['ours']?.latency.p95Ms ?? Number.NaN,
        ],
        ['whole stack resident memory, MiB', memory.baseline!.stack, memory.ours.stack],
        ['npm start, empty data folder, s', before.start.emptyDataFolder, mine.start.emptyDataFolder],
        ['npm start, warm data folder, s', before.start.warmDataFolder, mine.start.warmDataFolder],
      ] as const
    ).map(([what, b, a]) => ({ what, before: b, after: a, afterOverBefore: ratio(a, b) }));

  console.log(
    JSON.stringify(
      {
        setup: {
          connections,
          seconds,
          rounds,
          sequentialRuns: runs,
          ours: 'npm start stack (gateway + 3 subgraphs, PGlite), response and prediction caches off',
          fastapi: 'bench/peers/fastapi_peer.py, 1 uvicorn worker, xgboost nthread=1, flood 1.2.0 booster',
          apollo: 'bench/peers/apollo-gateway.ts, @apollo/gateway in Apollo Server, our subgraphs',
          baseline: baselineTree?.commit,
        },
        results,
        memoryMiB: memory,
        startSeconds: { ours: mine.start, baseline: before?.start },
      },
      null,
      2,
    ),
  );
  console.table(targets);
  if (beforeAfter) console.table(beforeAfter);
} finally {
  await Promise.all(peers.map(stopPeer));
  await Promise.all(stacks.map((s) => s.stop()));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  await baselineTree?.remove();
}
