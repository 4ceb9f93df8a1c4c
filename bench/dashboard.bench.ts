/**
 * `npm run bench:dashboard`: how soon the dashboard page (docs/dashboard.md) shows the city, in
 * Debian's headless Chromium (playwright-core) against the four services as processes on PGlite,
 * the gateway in production mode with the response cache and the prediction cache off (every load
 * asks the model again). Each figure comes with a baseline measured in the same run, since the
 * machines are shared and noisy (compare the ratios, not the milliseconds):
 *
 * 1. Time to a rendered map: from navigation start to the 470 zones coloured by level (the page's
 *    `map-rendered` mark), in a fresh browser context each run (nothing cached: HTML, script, CSS,
 *    then AllZonesFloodRisk), and again on a reload (assets from the browser cache). Also when the
 *    grey shapes are on screen (`map-drawn`, before any answer). Baseline: the page's own query,
 *    the persisted AllZonesFloodRisk, sent from Node (what the API takes, without the browser).
 * 2. Time to a zone's panel: from the click on a zone to the panel drawn (explanation bars, AQI
 *    chart, reports, models), a different zone each run. Baseline: the persisted DashboardZone
 *    from Node.
 *
 *   npm run bench:dashboard -- --runs 15
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { buildDashboard } from '../dashboard/scripts/build.ts';
import { chromiumAvailable, CHROMIUM, launchChromium } from '../dashboard/scripts/browser.ts';
import { ROOT } from '../scripts/stack.ts';
import { startTestStack } from '../test/support.ts';
import { measure, percentile, ratio, type Timing } from './lib.ts';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '10' }, warmup: { type: 'string', default: '2' } },
});
const runs = Number(values.runs);
const warmup = Number(values.warmup);

if (!chromiumAvailable()) {
  console.error(`Chromium is needed at ${CHROMIUM} (apt-get install chromium)`);
  process.exit(1);
}

const manifest = JSON.parse(
  await readFile(path.join(ROOT, 'packages/client/src/generated/persisted-documents.json'), 'utf8'),
) as Record<string, string>;
const documentId = (name: string) => {
  const entry = Object.entries(manifest).find(([, doc]) => new RegExp(`\\bquery ${name}\\b`).test(doc));
  if (!entry) throw new Error(`no persisted ${name}; run npm run codegen`);
  return entry[0];
};

/** p50/p95/mean of samples already taken (each run times itself inside the page). */
function timing(samples: number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    runs: samples.length,
    p50Ms: round(percentile(sorted, 50)),
    p95Ms: round(percentile(sorted, 95)),
    meanMs: round(sorted.reduce((s, t) => s + t, 0) / sorted.length),
  };
}

const marks = (page: Page) =>
  page.evaluate(() => ({
    drawn: performance.getEntriesByName('map-drawn')[0]?.startTime ?? NaN,
    rendered: Number(document.body.dataset['mapRendered']),
    colouredZones: document.querySelectorAll('svg [data-zone-id]:not([data-level="UNKNOWN"])').length,
  }));

buildDashboard({ ifStale: true, quiet: true });
const stack = (await startTestStack('PGlite', {
  env: { RESPONSE_CACHE_TTL_MS: '0', PREDICTION_CACHE_TTL_SECONDS: '0', RATE_LIMIT_PER_IP: '1000000' },
  serviceEnv: { gateway: { NODE_ENV: 'production' } },
}))!;
const browser = await launchChromium();
try {
  const origin = new URL(stack.gatewayUrl).origin;
  const dashboard = `${origin}/dashboard`;
  const query = (name: string, variables: Record<string, unknown>) => async () => {
    const res = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ documentId: documentId(name), variables }),
    });
    const body = (await res.json()) as { errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors).slice(0, 500));
  };

  // 1. The map, cold (a fresh context: nothing cached) and on a reload (assets cached).
  const cold = { drawn: [] as number[], rendered: [] as number[] };
  const reload: number[] = [];
  const zones: string[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(dashboard);
    await page.waitForSelector('body[data-map-rendered]', { timeout: 60_000 });
    const first = await marks(page);
    if (first.colouredZones < 460) throw new Error(`only ${first.colouredZones} zones coloured`);
    await page.reload();
    await page.waitForSelector('body[data-map-rendered]', { timeout: 60_000 });
    const again = await marks(page);
    if (i >= warmup) {
      cold.drawn.push(first.drawn);
      cold.rendered.push(first.rendered);
      reload.push(again.rendered);
    }
    if (!zones.length) {
      zones.push(
        ...(await page
          .locator('svg [data-zone-id]')
          .evaluateAll((els) => els.map((el) => el.getAttribute('data-zone-id')!))),
      );
    }
    await context.close();
  }
  const allZonesQuery = await measure(query('AllZonesFloodRisk', {}), { warmup, runs });

  // 2. A zone's panel: one page, a different zone each click.
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(dashboard);
  await page.waitForSelector('body[data-map-rendered]', { timeout: 60_000 });
  const panel: number[] = [];
  const picked = Array.from({ length: warmup + runs }, (_, i) => zones[(i * 37) % zones.length]!);
  for (const [i, zoneId] of picked.entries()) {
    // Clicked from inside the page, at the time it is read (a pointer click lands on the middle of
    // the zone's box, which for a concave tract is another zone).
    const t0 = await page.evaluate((id) => {
      const t = performance.now();
      document
        .querySelector(`svg [data-zone-id="${id}"]`)!
        .dispatchEvent(new MouseEvent('click', { bubbles: true }));
      return t;
    }, zoneId);
    await page.waitForSelector(`#panel[data-state="ready"][data-zone-id="${zoneId}"]`, { timeout: 60_000 });
    await page.waitForFunction((t) => Number(document.getElementById('panel')!.dataset['rendered']) > t, t0);
    const rendered = await page.evaluate(() => Number(document.getElementById('panel')!.dataset['rendered']));
    if (i >= warmup) panel.push(rendered - t0);
  }
  await context.close();
  let n = 0;
  const zoneQuery = await measure(() => query('DashboardZone', { id: picked[n++ % picked.length] })(), {
    warmup,
    runs,
  });

  const mapCold = timing(cold.rendered);
  const mapReload = timing(reload);
  const panelTiming = timing(panel);
  console.log(
    JSON.stringify(
      {
        timeToRenderedMap: {
          what: '/dashboard from navigation start to 470 zones coloured by flood level (production gateway, no response or prediction cache)',
          baseline: { what: 'the persisted AllZonesFloodRisk from Node', ...allZonesQuery },
          cold: { what: 'a fresh browser context: nothing cached', ...mapCold },
          reload: { what: 'a reload: the page’s assets from the browser cache', ...mapReload },
          shapesDrawnCold: { what: 'grey shapes on screen, before any answer', ...timing(cold.drawn) },
          ratioColdP50: ratio(mapCold.p50Ms, allZonesQuery.p50Ms),
          ratioReloadP50: ratio(mapReload.p50Ms, allZonesQuery.p50Ms),
        },
        timeToZonePanel: {
          what: 'from the click on a zone to its panel drawn (explanation, AQI forecast, reports, models)',
          baseline: { what: 'the persisted DashboardZone from Node', ...zoneQuery },
          panel: panelTiming,
          ratioP50: ratio(panelTiming.p50Ms, zoneQuery.p50Ms),
          addedP50Ms: Math.round((panelTiming.p50Ms - zoneQuery.p50Ms) * 100) / 100,
        },
      },
      null,
      2,
    ),
  );
} finally {
  await browser.close();
  await stack[Symbol.asyncDispose]();
}
