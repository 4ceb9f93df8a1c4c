/**
 * The gateway tried as an attacker would, through the real processes: request forgery through the
 * REST routes, rate-limit bypasses (rotating and multiplied tokens, WebSocket floods), personal data
 * in logs and errors during an outage, JWT abuse, hostile documents, what production leaks about
 * the schema, and live alerts in production. Each probe prints one `security-probe` line with its
 * figure, so a run on an older commit gives the "before" of the table in the issue.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { ROOT } from '../scripts/stack.ts';
import { startIdentityProvider, startTestStack, type TestStack } from './support.ts';

const MANIFEST = path.join(ROOT, 'packages/client/src/generated/persisted-documents.json');
const ZONE = '260960005000042';
const CANARY = `CANARY-PII-${randomBytes(4).toString('hex')}-maria-silva-+5581999990000`;
const probe = (name: string, figures: Record<string, unknown>) =>
  console.log(`security-probe ${JSON.stringify({ probe: name, ...figures })}`);
const now = () => Math.floor(Date.now() / 1000);

async function documentId(operation: string): Promise<string> {
  const manifest = JSON.parse(await readFile(MANIFEST, 'utf8')) as Record<string, string>;
  const entry = Object.entries(manifest).find(([, doc]) =>
    new RegExp(`^(query|mutation|subscription) ${operation}\\b`).test(doc),
  );
  assert.ok(entry, `no persisted ${operation}`);
  return entry[0];
}

/** A GraphQL POST with full control of the headers, Host included (fetch would not send our Host). */
function rawPost(
  url: string,
  pathname: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; text: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: pathname,
        method: 'POST',
        headers: { 'content-length': Buffer.byteLength(body), ...headers },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const post = async (url: string, body: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, body: json, headers: res.headers };
};

/** One graphql-ws connection driven message by message, to count what the server lets through. */
async function openSocket(
  url: string,
  opts: { headers?: Record<string, string>; params?: Record<string, unknown> } = {},
) {
  const ws = new WebSocket(url.replace('http', 'ws'), 'graphql-transport-ws', {
    headers: opts.headers ?? {},
  });
  const messages: any[] = [];
  let closed: { code: number; reason: string } | undefined;
  ws.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString())));
  ws.on('close', (code, reason) => (closed = { code, reason: reason.toString() }));
  const opened = await new Promise<boolean>((resolve) => {
    ws.once('open', () => resolve(true));
    ws.once('error', () => resolve(false));
    ws.once('unexpected-response', () => resolve(false));
  });
  if (opened) {
    ws.send(JSON.stringify({ type: 'connection_init', payload: opts.params ?? {} }));
    for (let i = 0; i < 100 && !messages.some((m) => m.type === 'connection_ack') && !closed; i++) {
      await sleep(20);
    }
  }
  return {
    opened,
    messages,
    closed: () => closed,
    send: (message: unknown) => ws.send(JSON.stringify(message)),
    close: () => ws.close(),
  };
}

describe('security: the gateway as an attacker meets it, in production', () => {
  let stack: (TestStack & AsyncDisposable) | undefined;
  let idp: Awaited<ReturnType<typeof startIdentityProvider>>;
  const sink = { hits: 0, server: undefined as http.Server | undefined, port: 0 };
  /** A distinct client address per probe (TRUST_PROXY), so one probe's budget is not another's. */
  const from = (who: string) => ({
    'x-forwarded-for': `10.${[...createHash('sha256').update(who).digest().subarray(0, 3)].join('.')}`,
  });
  const admin = () => ({ 'x-api-key': stack!.apiKeys.admin });

  before(async () => {
    idp = await startIdentityProvider();
    sink.server = http.createServer((_req, res) => {
      sink.hits += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":null}');
    });
    await new Promise<void>((resolve) => sink.server!.listen(0, '127.0.0.1', resolve));
    sink.port = (sink.server.address() as AddressInfo).port;
    stack = await startTestStack('PGlite', {
      env: {
        LOG_LEVEL: 'info',
        JWT_SECRET: undefined,
        JWKS_URL: idp.url,
        JWT_ISSUER: 'https://idp.test',
        JWT_AUDIENCE: 'cityassist',
        TRUST_PROXY: 'true',
        RATE_LIMIT_PER_IP: '40',
        RATE_LIMIT_PER_KEY: '60',
        MAX_SUBSCRIPTIONS_PER_CONNECTION: '5',
        MAX_CONNECTIONS_PER_IP: '4',
        METRICS_PORT: '0',
        UPSTREAM_TIMEOUT_MS: '1500',
        RESPONSE_CACHE_TTL_MS: '0',
      },
      serviceEnv: { gateway: { NODE_ENV: 'production' } },
    });
  });
  after(async () => {
    for (const svc of Object.values(stack?.services ?? {})) {
      if (svc.process.exitCode !== null) {
        console.error(`${svc.name} exited early:\n${svc.output().slice(-3000)}`);
      }
    }
    await stack?.[Symbol.asyncDispose]();
    await idp?.[Symbol.asyncDispose]();
    sink.server?.close();
  });

  it('EXPECTED FAILURE - a forged Host header on the REST routes reaches no other host', async () => {
    const body = JSON.stringify({ zone_id: ZONE, features: { rain_1h_mm: 40 } });
    const forged = await rawPost(stack!.gatewayUrl, '/api/v1/predict/flood', body, {
      'content-type': 'application/json',
      host: `127.0.0.1:${sink.port}`,
      ...admin(),
      ...from('host'),
    });
    const form = `--b\r\nContent-Disposition: form-data; name="file"; filename="x.png"\r\nContent-Type: image/png\r\n\r\nnot a png\r\n--b--\r\n`;
    await rawPost(stack!.gatewayUrl, '/api/v1/classify/report-image', form, {
      'content-type': 'multipart/form-data; boundary=b',
      host: `127.0.0.1:${sink.port}`,
      ...admin(),
      ...from('host'),
    });
    probe('Host header on the REST routes', { sinkRequests: sink.hits, status: forged.status });
    assert.equal(sink.hits, 0, 'nothing reached the sink');
    assert.equal(forged.status, 200, forged.text);
    assert.ok(JSON.parse(forged.text).prediction_id);
  });

  it('EXPECTED FAILURE - many tokens of one subject share one rate-limit bucket', async () => {
    const tokens = [1, 2, 3].map((i) =>
      idp.sign({ sub: 'mallory', iss: 'https://idp.test', aud: 'cityassist', exp: now() + 300 + i }),
    );
    const zoneAt = await documentId('ZoneAt');
    let served = 0;
    const codes = new Set<string>();
    for (let i = 0; i < 180; i++) {
      const res = await post(
        stack!.gatewayUrl,
        { documentId: zoneAt, variables: { lat: -7.9928, lon: -34.8617 } },
        { authorization: `Bearer ${tokens[i % 3]}`, ...from('tokens') },
      );
      if (res.status === 200) served += 1;
      else codes.add(res.body?.errors?.[0]?.extensions?.code);
    }
    probe('3 tokens of one subject, 180 requests, limit 60', { served });
    assert.equal(served, 60);
    assert.deepEqual([...codes], ['RATE_LIMITED']);
  });

  it('EXPECTED FAILURE - operations over graphql-ws count against the same limit', async () => {
    const zoneAt = await documentId('ZoneAt');
    const socket = await openSocket(stack!.gatewayUrl, { headers: from('wsrate') });
    assert.ok(socket.opened);
    const answered = () => socket.messages.filter((m) => m.type === 'complete' || m.type === 'error').length;
    for (let i = 0; i < 100; i++) {
      // Keep under the per-connection cap (5 here) however slowly the gateway answers: on a loaded
      // CI machine a fixed pace left 3 queries over the cap, refused as such instead of RATE_LIMITED.
      for (let wait = 0; i - answered() >= 4 && wait < 400; wait++) await sleep(20);
      socket.send({
        id: `q${i}`,
        type: 'subscribe',
        payload: { documentId: zoneAt, variables: { lat: -7.99, lon: -34.86 } },
      });
    }
    for (
      let i = 0;
      // Up to 20 s: a loaded machine answers late, and a missing answer must not read as a failure.
      i < 400 && answered() < 100;
      i++
    ) {
      await sleep(50);
    }
    const data = socket.messages.filter((m) => m.type === 'next' && m.payload.data?.zoneAt).length;
    const limited = socket.messages.filter(
      (m) => m.type === 'error' && m.payload[0]?.extensions?.code === 'RATE_LIMITED',
    ).length;
    socket.close();
    const others = socket.messages
      .filter((m) => m.type === 'error' && m.payload[0]?.extensions?.code !== 'RATE_LIMITED')
      .map((m) => m.payload[0]?.extensions?.code ?? m.payload[0]?.message);
    probe('100 queries on one anonymous socket, limit 40', { served: data, rateLimited: limited, others });
    assert.equal(data, 40);
    assert.equal(limited, 60);
  });

  it('EXPECTED FAILURE - caps subscriptions per connection and connections per address', async () => {
    const floodAlerts = await documentId('FloodAlerts');
    // The gateway's heap, from its own /metrics.
    const heap = async () => {
      const text = await (await fetch(`http://127.0.0.1:${metricsPort()}/metrics`)).text();
      return Number(/^nodejs_heap_size_used_bytes\{[^}]*\} (\S+)/m.exec(text)?.[1] ?? NaN);
    };
    const heapBefore = await heap();
    const socket = await openSocket(stack!.gatewayUrl, { headers: from('wssubs') });
    for (let i = 0; i < 2000; i++) {
      socket.send({
        id: `s${i}`,
        type: 'subscribe',
        payload: { documentId: floodAlerts, variables: { minLevel: 'SEVERE' } },
      });
    }
    await sleep(2000);
    const refused = socket.messages.filter(
      (m) => m.type === 'error' && m.payload[0]?.extensions?.code === 'TOO_MANY_SUBSCRIPTIONS',
    ).length;
    const errored = new Set(socket.messages.filter((m) => m.type === 'error').map((m) => m.id));
    const heapAfter = await heap();
    const sockets = [];
    for (let i = 0; i < 6; i++) {
      sockets.push(await openSocket(stack!.gatewayUrl, { headers: from('wsconn') }));
    }
    const opened = sockets.filter((s) => s.opened).length;
    probe('2000 subscriptions on one socket (cap 5), 6 sockets from one address (cap 4)', {
      accepted: 2000 - errored.size,
      refused,
      heapGrowthMiB: Math.round(((heapAfter - heapBefore) / 2 ** 20) * 10) / 10,
      socketsOpened: opened,
    });
    socket.close();
    for (const s of sockets) s.close();
    assert.equal(refused, 1995);
    assert.equal(opened, 4);
    assert.equal(socket.closed(), undefined, 'the socket itself stays open');
  });

  it('EXPECTED FAILURE - refuses each bad JWT with 401 and a reason, and unknown kids do not hammer the JWKS', async () => {
    const claims = { sub: 'alice', iss: 'https://idp.test', aud: 'cityassist' };
    const cases: [string, string][] = [
      ['missing_expiry', idp.sign(claims)],
      ['expired', idp.sign({ ...claims, exp: now() - 60 })],
      ['wrong_issuer', idp.sign({ ...claims, iss: 'https://evil.test', exp: now() + 60 })],
      ['wrong_audience', idp.sign({ ...claims, aud: 'other', exp: now() + 60 })],
      ['bad_signature', `${idp.sign({ ...claims, exp: now() + 60 }).slice(0, -4)}AAAA`],
      ['malformed', 'not-a-jwt'],
    ];
    const reasons: Record<string, string> = {};
    for (const [expected, token] of cases) {
      const res = await post(
        stack!.gatewayUrl,
        { documentId: await documentId('ZoneAt'), variables: { lat: 0, lon: 0 } },
        {
          authorization: `Bearer ${token}`,
          ...from('jwt'),
        },
      );
      const error = res.body?.errors?.[0]?.extensions;
      reasons[expected] = `${res.status} ${error?.code} ${error?.reason}`;
    }
    const fetchesBefore = idp.fetches();
    const statuses = new Set<number>();
    for (let i = 0; i < 50; i++) {
      const res = await post(
        stack!.gatewayUrl,
        { documentId: await documentId('ZoneAt'), variables: { lat: 0, lon: 0 } },
        {
          authorization: `Bearer ${idp.sign({ ...claims, exp: now() + 60 }, `kid-${i}`)}`,
          ...from(`kid${i}`),
        },
      );
      statuses.add(res.status);
    }
    const jwksFetches = idp.fetches() - fetchesBefore;
    probe('JWT cases and 50 unknown kids', { reasons, jwksFetches, unknownKidStatuses: [...statuses] });
    assert.deepEqual(reasons, Object.fromEntries(cases.map(([r]) => [r, `401 UNAUTHENTICATED ${r}`])));
    assert.deepEqual([...statuses], [401]);
    assert.ok(jwksFetches <= 1, `${jwksFetches} JWKS fetches`);
  });

  it('EXPECTED FAILURE - hostile documents: 3,000 levels deep, NUL bytes, and no schema hints in production', async () => {
    const deep = `{ zone(id: "1") ${'{ reports '.repeat(3000)}${'}'.repeat(3001)} }`;
    const tooDeep = await post(stack!.gatewayUrl, { query: deep }, { ...admin(), ...from('deep') });
    const createReport = await documentId('CreateReport');
    const nul = await post(
      stack!.gatewayUrl,
      {
        documentId: createReport,
        variables: { input: { zoneId: ZONE, description: 'a\u0000b', category: 'GARBAGE' } },
      },
      { ...admin(), ...from('deep') },
    );
    const hint = await post(
      stack!.gatewayUrl,
      { query: '{ zone(id: "1") { nam } }' },
      { ...admin(), ...from('deep') },
    );
    const enumHint = await post(
      stack!.gatewayUrl,
      { query: '{ zones(first: 1, order: NAM) { totalCount } }' },
      { ...admin(), ...from('deep') },
    );
    const badJson = await post(stack!.gatewayUrl, `{"query": "{ __typename }", ${CANARY}`, from('deep'));
    probe('hostile documents', {
      deep: `${tooDeep.status} ${tooDeep.body?.errors?.[0]?.extensions?.code}`,
      nul: `${nul.status} ${nul.body?.errors?.[0]?.extensions?.code}`,
      didYouMean: [hint.text, enumHint.text].some((t) => t.includes('Did you mean')),
      invalidJsonEchoed: badJson.text.includes(CANARY),
    });
    assert.equal(tooDeep.status, 400);
    assert.equal(tooDeep.body.errors[0].extensions.code, 'QUERY_TOO_COMPLEX');
    assert.equal(nul.body.errors[0].extensions.code, 'BAD_USER_INPUT');
    assert.ok(!hint.text.includes('Did you mean') && !enumHint.text.includes('Did you mean'), hint.text);
    assert.equal(badJson.status, 400);
    assert.ok(!badJson.text.includes(CANARY), badJson.text);
    for (const svc of Object.values(stack!.services)) {
      if (svc.name === 'reports') continue; // killed by the outage probe
      assert.equal((await fetch(`${svc.baseUrl}/health`)).status, 200, `${svc.name} is up`);
    }
  });

  function metricsPort(): number {
    const line = stack!.services.gateway
      .output()
      .split('\n')
      .find((l) => l.includes('gateway listening'));
    return Number(/"metrics":"http:\/\/[^:]+:(\d+)\/metrics"/.exec(line ?? '')?.[1]);
  }

  it('EXPECTED FAILURE - serves /metrics on its own port, not the public one', async () => {
    const publicMetrics = await fetch(stack!.services.gateway.baseUrl + '/metrics');
    const port = metricsPort();
    const own = await fetch(`http://127.0.0.1:${port}/metrics`);
    probe('/metrics on the public listener', { public: publicMetrics.status, ownPort: own.status });
    assert.equal(publicMetrics.status, 404);
    assert.equal(own.status, 200);
    assert.match(await own.text(), /rate_limited_total/);
  });

  it('EXPECTED FAILURE - revoking an API key takes effect without a restart', async () => {
    const keysFile = stack!.apiKeysFile;
    const minted = spawnSync(
      path.join(ROOT, 'node_modules/.bin/tsx'),
      [
        'scripts/api-key.ts',
        '--name',
        'temp',
        '--scopes',
        'reports:read',
        '--expires',
        '1d',
        '--file',
        keysFile,
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    assert.equal(minted.status, 0, minted.stderr);
    const key = /\n {2}(ca_\S+)\n/.exec(minted.stdout)![1]!;
    const id = /API key (\w+) for temp/.exec(minted.stdout)![1]!;
    const zoneAt = await documentId('ZoneAt');
    const ask = () =>
      post(
        stack!.gatewayUrl,
        { documentId: zoneAt, variables: { lat: -7.99, lon: -34.86 } },
        { 'x-api-key': key, ...from('revoke') },
      );
    let works = false;
    for (let i = 0; i < 60 && !works; i++) works = (await ask()).status === 200 || (await sleep(100), false);
    const revoked = spawnSync(
      path.join(ROOT, 'node_modules/.bin/tsx'),
      ['scripts/api-key.ts', '--revoke', id, '--file', keysFile],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
    assert.equal(revoked.status, 0, revoked.stderr);
    let refused: Awaited<ReturnType<typeof ask>> | undefined;
    for (let i = 0; i < 60; i++) {
      const res = await ask();
      if (res.status === 401) {
        refused = res;
        break;
      }
      await sleep(100);
    }
    probe('API key minted then revoked, gateway running', {
      newKeyWorked: works,
      refusedAfterRevoke: refused?.body.errors[0].extensions.reason,
    });
    assert.ok(works, 'a key minted while the gateway runs works');
    assert.equal(refused?.body.errors[0].extensions.reason, 'revoked');
  });

  it('EXPECTED FAILURE - live alerts in production: persisted subscriptions over graphql-ws and SSE, a clean refusal for others', async () => {
    const reportSubmitted = await documentId('ReportSubmitted');
    const socket = await openSocket(stack!.gatewayUrl, {
      headers: from('live'),
      params: { 'x-api-key': stack!.apiKeys.admin },
    });
    socket.send({
      id: 'persisted',
      type: 'subscribe',
      payload: { documentId: reportSubmitted, variables: { zoneId: ZONE } },
    });
    // Anonymous: an API key with graphql:arbitrary could run it.
    const anonymous = await openSocket(stack!.gatewayUrl, { headers: from('live') });
    anonymous.send({
      id: 'arbitrary',
      type: 'subscribe',
      payload: { query: 'subscription { reportSubmitted { id } }' },
    });
    const controller = new AbortController();
    const sse = await fetch(stack!.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...from('live') },
      body: JSON.stringify({ documentId: reportSubmitted, variables: { zoneId: ZONE } }),
      signal: controller.signal,
    });
    const sseText = (async () => {
      let text = '';
      const reader = sse.body!.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return text;
        text += new TextDecoder().decode(value);
        if (/event: next/.test(text)) return text;
      }
    })().catch(() => '');
    await sleep(1500); // both subscriptions reach the reports subgraph (restarted below if needed)
    const created = await post(
      stack!.gatewayUrl,
      {
        documentId: await documentId('CreateReport'),
        variables: { input: { zoneId: ZONE, description: 'live', category: 'GARBAGE' } },
      },
      { ...admin(), ...from('live') },
    );
    const id = created.body?.data?.createReport?.id as string | undefined;
    for (let i = 0; i < 100 && !socket.messages.some((m) => m.id === 'persisted' && m.type === 'next'); i++) {
      await sleep(50);
    }
    const wsEvent = socket.messages.find((m) => m.id === 'persisted' && m.type === 'next');
    const refusal = anonymous.messages.find((m) => m.id === 'arbitrary');
    const sseEvent = await Promise.race([sseText, sleep(3000).then(() => '')]);
    controller.abort();
    socket.close();
    probe('persisted subscriptions in production', {
      ws: wsEvent?.payload?.data?.reportSubmitted?.id === id,
      sse: sseEvent.includes(id ?? 'none'),
      nonPersisted:
        refusal?.payload?.errors?.[0]?.extensions?.code ?? refusal?.payload?.[0]?.extensions?.code,
      socketClosed: anonymous.closed(),
    });
    anonymous.close();
    assert.ok(id, JSON.stringify(created.body));
    assert.equal(wsEvent?.payload.data.reportSubmitted.id, id);
    assert.ok(sseEvent.includes(id), sseEvent);
    const code = refusal?.payload?.errors?.[0]?.extensions?.code ?? refusal?.payload?.[0]?.extensions?.code;
    assert.equal(code, 'PERSISTED_QUERY_ONLY', JSON.stringify(refusal));
    assert.equal(anonymous.closed(), undefined, 'the socket stays open');
    assert.ok(!JSON.stringify(refusal).includes('    at '), 'no stack trace');
  });

  it('EXPECTED FAILURE - a failing subgraph leaks no personal data into any log or answer', async () => {
    const createReport = await documentId('CreateReport');
    const variables = { input: { zoneId: ZONE, description: `Call ${CANARY}`, category: 'GARBAGE' } };
    stack!.services.reports.process.kill('SIGSTOP');
    let timedOut;
    try {
      timedOut = await post(
        stack!.gatewayUrl,
        { documentId: createReport, variables },
        { ...admin(), ...from('pii') },
      );
    } finally {
      stack!.services.reports.process.kill('SIGCONT');
    }
    stack!.services.reports.process.kill('SIGKILL');
    await sleep(300);
    const refused = await post(
      stack!.gatewayUrl,
      { documentId: createReport, variables },
      { ...admin(), ...from('pii') },
    );
    const dashboard = await post(
      stack!.gatewayUrl,
      {
        query:
          'query Outage($t: String) { zones(first: 500, neighbourhood: $t) { edges { node { id reports { id } } } } }',
        variables: { t: null },
      },
      { ...admin(), ...from('pii') },
    );
    await sleep(500);
    const logs = Object.values(stack!.services)
      .map((s) => s.output())
      .join('\n');
    const answers = [timedOut.text, refused.text, dashboard.text].join('\n');
    const gatewayLines = stack!.services.gateway
      .output()
      .split('\n')
      .filter((l) => l.includes('subgraph request failed'));
    probe('failing subgraph, canary in the variables', {
      canaryInLogs: logs.split(CANARY).length - 1,
      canaryInAnswers: answers.split(CANARY).length - 1,
      internalUrlInAnswers: answers.includes(stack!.services.reports.baseUrl),
      failedFetchLogLines: gatewayLines.length,
      logBytes: logs.length,
    });
    assert.equal(logs.includes(CANARY), false, 'no log line carries the canary');
    assert.equal(answers.includes(CANARY), false, 'no answer echoes it');
    assert.equal(
      answers.includes(stack!.services.reports.baseUrl),
      false,
      'no answer names the internal URL',
    );
    assert.equal(timedOut.body.errors[0].extensions.code, 'SUBGRAPH_UNAVAILABLE');
    assert.equal(timedOut.body.errors[0].extensions.request, undefined);
    // The timed-out mutation, the refused one, and the refused query with its one retry.
    assert.ok(gatewayLines.length <= 4, `${gatewayLines.length} lines for four failed fetches`);
  });

  it('EXPECTED FAILURE - every line every service logged is one JSON object of one shape', () => {
    const problems: string[] = [];
    for (const svc of Object.values(stack!.services)) {
      for (const line of svc.output().split('\n').filter(Boolean)) {
        let parsed: Record<string, unknown>;
        try {
          parsed = JSON.parse(line);
        } catch {
          problems.push(`${svc.name}: not JSON: ${line.slice(0, 120)}`);
          continue;
        }
        for (const key of ['time', 'level', 'service', 'msg']) {
          if (!(key in parsed)) problems.push(`${svc.name}: no ${key}: ${line.slice(0, 160)}`);
        }
        if ((line.match(/"level":/g) ?? []).length > 1) {
          problems.push(`${svc.name}: two levels: ${line.slice(0, 160)}`);
        }
      }
    }
    probe('log shape', { problems: problems.length, first: problems[0] });
    assert.deepEqual(problems.slice(0, 5), []);
  });
});

describe('security: rotating bearer tokens when JWT is not configured', () => {
  let stack: (TestStack & AsyncDisposable) | undefined;
  before(async () => {
    stack = await startTestStack('PGlite', {
      env: { JWT_SECRET: undefined, RATE_LIMIT_PER_IP: '120', RESPONSE_CACHE_TTL_MS: '0' },
    });
  });
  after(async () => {
    await stack?.[Symbol.asyncDispose]();
  });

  it('EXPECTED FAILURE - 300 requests with 300 made-up bearer tokens get no bucket of their own', async () => {
    let served = 0;
    const statuses = new Map<number, number>();
    for (let i = 0; i < 300; i++) {
      const res = await post(
        stack!.gatewayUrl,
        { query: '{ zones(first: 1) { totalCount } }' },
        {
          authorization: `Bearer ${randomUUID()}`,
        },
      );
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status === 200 && res.body?.data?.zones) served += 1;
    }
    probe('300 rotating bearer tokens, no JWT configured, limit 120/IP', {
      served,
      statuses: Object.fromEntries(statuses),
    });
    assert.equal(served, 0);
    assert.ok((statuses.get(401) ?? 0) >= 120 - 5, 'refused as unauthenticated, then throttled');
  });
});
