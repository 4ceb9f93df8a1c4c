/**
 * `npm run bench:profile -- --workload <name>`: where the CPU goes. Starts `npm start`'s stack with
 * the gateway and the predictions subgraph under `node --cpu-prof` (response and prediction caches
 * off), drives one workload of distinct requests, stops the stack (V8 writes the profiles on exit)
 * and prints, per service, the share of samples by package and the heaviest functions by self time.
 * The findings live in docs/performance.md; the .cpuprofile files stay in --out for DevTools.
 *
 *   npm run bench:profile -- --workload rest-flood --requests 3000 --out /tmp/profiles
 *
 * Workloads: rest-flood (POST /api/v1/predict/flood, one zone), graphql-flood (zone(id) { floodRisk
 * { explain(top: 5) } }), small (zone(id) { id name }), page (zones(first: 100) { floodRisk }),
 * outlook (the dashboard's CityOutlook).
 */
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, startStack } from '../scripts/stack.ts';
import { postGraphQL } from '../test/support.ts';
import { UNCACHED_STACK_ENV } from './lib.ts';

const { values } = parseArgs({
  options: {
    workload: { type: 'string', default: 'rest-flood' },
    requests: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '1' },
    out: { type: 'string', default: path.join(tmpdir(), 'cityassist-profiles') },
    top: { type: 'string', default: '15' },
  },
});
const requests = Number(values.requests);
const concurrency = Number(values.concurrency);
const out = path.resolve(values.out);
await mkdir(out, { recursive: true });

const profiled = (name: string) => ({
  NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${path.join(out, name)} --cpu-prof-interval=200`,
});
const window = { from: 0n, to: 0n };
const dir = await mkdtemp(path.join(tmpdir(), 'cityassist-profile-'));
const stack = await startStack({
  env: { ...UNCACHED_STACK_ENV, DATA_DIR: dir },
  serviceEnv: { gateway: profiled('gateway'), predictions: profiled('predictions') },
});
try {
  const gql = stack.gatewayUrl;
  const origin = new URL(gql).origin;
  const listing = await postGraphQL(gql, '{ zones(first: 500) { edges { cursor node { id } } } }');
  const edges = (listing.data!['zones'] as { edges: { cursor: string; node: { id: string } }[] }).edges;
  const ids = edges.map((e) => e.node.id);
  const outlook = await readFile(path.join(ROOT, 'schema/operations/dashboard/CityOutlook.graphql'), 'utf8');
  const workloads: Record<string, (i: number) => [string, unknown]> = {
    'rest-flood': (i) => [`${origin}/api/v1/predict/flood`, { zone_id: ids[i % ids.length] }],
    'graphql-flood': (i) => [
      gql,
      {
        query:
          'query($id: ID!) { zone(id: $id) { id floodRisk { probability level explain(top: 5) { feature contribution } } } }',
        variables: { id: ids[i % ids.length] },
      },
    ],
    small: (i) => [
      gql,
      {
        query: 'query($id: ID!) { zone(id: $id) { id name population } }',
        variables: { id: ids[i % ids.length] },
      },
    ],
    page: (i) => [
      gql,
      {
        query:
          'query($after: String) { zones(first: 100, after: $after) { edges { node { id floodRisk { score level } } } } }',
        variables: { after: i % 371 === 0 ? null : edges[(i % 371) - 1]!.cursor },
      },
    ],
    outlook: () => [gql, { query: outlook }],
  };
  const workload = workloads[values.workload];
  if (!workload) throw new Error(`unknown workload ${values.workload}: ${Object.keys(workloads).join(', ')}`);
  let next = 0;
  // CLOCK_MONOTONIC, the clock V8 stamps samples with: only the workload's samples are counted.
  window.from = process.hrtime.bigint() / 1000n;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        const [url, body] = workload(next++);
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        const text = await res.text();
        if (!res.ok || text.includes('"errors"')) throw new Error(`${res.status} ${text.slice(0, 300)}`);
      }
    }),
  );
  window.to = process.hrtime.bigint() / 1000n;
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `${values.workload}: ${requests} requests, concurrency ${concurrency}, ${(requests / seconds).toFixed(0)} req/s, ${((seconds * 1000) / requests).toFixed(2)} ms each`,
  );
} finally {
  await stack.stop();
  await rm(dir, { recursive: true, force: true });
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
}

/** Where a frame's code lives: a package, node's own internals, our code, or V8 (GC, idle, program). */
function ownerOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : `(${fn || 'native'})`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return 'node:internals';
  return path.relative(ROOT, url.replace('file://', '')).split('/').slice(0, 3).join('/');
}

for (const service of ['gateway', 'predictions']) {
  const folder = path.join(out, service);
  // CPU.<date>.<time>.<pid>.<thread>.<n>.cpuprofile: the main thread (0) of the service's process.
  const files = (await readdir(folder)).filter((f) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(f));
  const newest = files.sort().at(-1);
  if (!newest) throw new Error(`no profile in ${folder}`);
  const profile = JSON.parse(await readFile(path.join(folder, newest), 'utf8')) as {
    nodes: ProfileNode[];
    startTime: number;
    samples: number[];
    timeDeltas: number[];
  };
  const hits = new Map<number, number>();
  let t = BigInt(profile.startTime);
  profile.samples.forEach((id, i) => {
    t += BigInt(profile.timeDeltas[i]!);
    if (t >= window.from && t <= window.to) hits.set(id, (hits.get(id) ?? 0) + 1);
  });
  const total = [...hits.values()].reduce((a, b) => a + b, 0);
  const byOwner = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const n of profile.nodes) {
    const count = hits.get(n.id) ?? 0;
    if (!count) continue;
    const { functionName, url, lineNumber } = n.callFrame;
    const owner = ownerOf(url, functionName);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + count);
    const key = url ? `${functionName || '(anonymous)'} ${owner}:${lineNumber + 1}` : owner;
    byFunction.set(key, (byFunction.get(key) ?? 0) + count);
  }
  const top = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, Number(values.top))
      .map(([what, hits]) => ({ what, share: `${((hits / total) * 100).toFixed(1)} %` }));
  const busy = total - (byOwner.get('(idle)') ?? 0);
  console.log(
    `\n${service}: ${path.join(folder, newest)}: ${total} samples in the workload, ${((busy / total) * 100).toFixed(0)} % busy`,
  );
  console.table(top(byOwner));
  console.table(top(byFunction));
}
