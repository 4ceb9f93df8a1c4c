/**
 * The CityAssist dashboard: wires the map, the zone panel, the live alerts and the report form to
 * the API. Marks `map-drawn` (the shapes, before any answer), `map-rendered` (coloured by level) and
 * `panel-rendered` (performance marks; the last two also as data attributes on <body> and #panel)
 * for the browser tests and bench/dashboard.bench.ts.
 */
import { AllZonesFloodRiskDocument, type FloodAlertsSubscription } from '@cityassist/client/documents';
import { describeErrors, execute } from './api.ts';
import { byId, h } from './dom.ts';
import { FLOOD_LABEL, percent, time } from './format.ts';
import { apiKey, onApiKeyChange, setApiKey } from './key.ts';
import { LiveAlerts, type LiveState } from './live.ts';
import { CityMap } from './map.ts';
import { ZonePanel, type ModelAnswer } from './panel.ts';
import { ReportForm } from './report-form.ts';
import './styles.css';

const mapStatus = byId('map-status');
const modelsLine = byId('models-answered');
const models = { city: new Map<string, number>(), zone: [] as ModelAnswer[] };

const renderModels = () => {
  const city = [...models.city].map(([m, n]) => `${m} (${n} zones)`).join(', ');
  const zone = models.zone.map((m) => `${m.model} ${m.version}${m.degraded ? ' (degraded)' : ''}`).join(', ');
  modelsLine.textContent = [city && `Map: ${city}.`, zone && `Zone panel: ${zone}.`]
    .filter(Boolean)
    .join(' ');
};

const panel = new ZonePanel(byId('panel'), byId('panel-title'), byId('panel-body'), (answers) => {
  models.zone = answers;
  renderModels();
});

const map = new CityMap(byId('map'), byId('tooltip'), byId('legend'), {
  select: (zoneId) => void selectZone(zoneId, { reveal: true }),
  pick: (point) => form.setLocation(point),
});

// The zones' shapes are on screen (grey) before any answer: bench/dashboard.bench.ts times both.
performance.mark('map-drawn');

const form = new ReportForm(map, (report) => {
  if (report.zone && report.zone.id === panel.zoneId) void panel.show(report.zone.id);
});

const narrow = matchMedia('(max-width: 959px)');
const reducedMotion = matchMedia('(prefers-reduced-motion: reduce)');

async function selectZone(zoneId: string, opts: { focus?: boolean; reveal?: boolean } = {}): Promise<void> {
  map.select(zoneId);
  form.zoneSelected(zoneId);
  await panel.show(zoneId, opts);
  // On a phone the panel is below the map: bring it into view (focus stays on the map).
  if (opts.reveal && narrow.matches) {
    byId('panel').scrollIntoView({ behavior: reducedMotion.matches ? 'auto' : 'smooth', block: 'start' });
  }
  byId('panel').dataset['rendered'] = String(performance.now());
  performance.mark('panel-rendered');
}

// Zone search: the datalist offers every zone by name.
const search = byId<HTMLInputElement>('zone-search');
byId('zone-names').replaceChildren(
  ...[...map.zones.values()].map((z) => h('option', { value: z.name }, z.neighbourhood)),
);
const byName = new Map([...map.zones.values()].map((z) => [z.name.toLowerCase(), z.id]));
search.addEventListener('change', () => {
  const id = byName.get(search.value.trim().toLowerCase());
  if (id) void selectZone(id, { focus: true });
});

/** Every zone's level (AllZonesFloodRisk); merged by asOf with what the live alerts said meanwhile. */
async function loadLevels(): Promise<void> {
  const result = await execute(AllZonesFloodRiskDocument, {});
  const edges = result.data?.zones.edges ?? [];
  models.city.clear();
  let missing = 0;
  for (const { node } of edges) {
    if (!node.floodRisk) {
      missing += 1;
      continue;
    }
    map.setLevel(node.id, {
      level: node.floodRisk.level,
      score: node.floodRisk.score,
      asOf: node.floodRisk.asOf,
      name: node.name,
    });
    const model = `${node.floodRisk.model.name} ${node.floodRisk.model.version}`;
    models.city.set(model, (models.city.get(model) ?? 0) + 1);
  }
  map.renderLegend();
  renderModels();
  const unknown = edges.filter((e) => !map.zones.has(e.node.id)).length;
  mapStatus.textContent = result.data
    ? [
        `${edges.length} zones.`,
        missing ? `${missing} without a flood prediction.` : '',
        unknown ? `${unknown} not on this map (rebuild the dashboard).` : '',
        result.errors?.length ? describeErrors(result.errors) : '',
      ]
        .filter(Boolean)
        .join(' ')
    : `Flood levels unavailable: ${describeErrors(result.errors)}`;
  document.body.dataset['mapRendered'] = String(performance.now());
  performance.mark('map-rendered');
}

// Live alerts.
const feed = byId<HTMLOListElement>('alert-feed');
const liveStatus = byId('live-status');
const LIVE_TEXT: Record<LiveState, string> = {
  connecting: 'Connecting…',
  connected: 'Live',
  reconnecting: 'Reconnecting…',
  refused: 'Refused',
  error: 'Error',
};
const live = new LiveAlerts({
  minLevel: 'LOW',
  onState: (state, detail) => {
    liveStatus.dataset['state'] = state;
    liveStatus.textContent = detail ? `${LIVE_TEXT[state]}: ${detail}` : LIVE_TEXT[state];
  },
  onReconnect: () => void loadLevels(),
  onAlert: (alert) => showAlert(alert),
});

function showAlert(alert: FloodAlertsSubscription['floodAlerts']): void {
  const zoneId = alert.zone?.id;
  if (!zoneId) return;
  map.setLevel(zoneId, { level: alert.level, score: alert.score, asOf: alert.asOf });
  map.flash(zoneId);
  map.renderLegend();
  panel.applyAlert(zoneId, alert);
  byId('alert-empty').hidden = true;
  const open = h('button', { type: 'button', class: 'link-button' }, alert.zone?.name ?? zoneId);
  open.addEventListener('click', () => void selectZone(zoneId, { focus: true }));
  feed.prepend(
    h(
      'li',
      {
        class: `alert ${alert.rising ? 'rising' : 'falling'}`,
        'data-alert-zone': zoneId,
        'data-level': alert.level,
      },
      h('time', { datetime: String(alert.asOf) }, time(alert.asOf)),
      ' ',
      open,
      `: ${FLOOD_LABEL[alert.previousLevel]} → `,
      h('span', { class: 'level-badge', 'data-level': alert.level }, FLOOD_LABEL[alert.level]),
      ` (${percent(alert.score)}, ${alert.rising ? 'rising' : 'falling'}; ${alert.model.name} ${alert.model.version})`,
    ),
  );
  while (feed.children.length > 50) feed.lastElementChild?.remove();
}

// The API key: sessionStorage only; changing it reconnects the live feed with it.
const keyInput = byId<HTMLInputElement>('api-key');
const keyStatus = byId('key-status');
const showKeyState = () => {
  keyStatus.textContent = apiKey() ? 'A key is set for this tab.' : 'No key: reading only.';
  keyInput.value = '';
  keyInput.placeholder = apiKey() ? '•••••••• (set)' : 'ca_…';
};
byId<HTMLFormElement>('key-form').addEventListener('submit', (e) => {
  e.preventDefault();
  setApiKey(keyInput.value);
});
byId('key-clear').addEventListener('click', () => setApiKey(undefined));
onApiKeyChange(() => {
  showKeyState();
  live.start();
  if (panel.zoneId) void panel.show(panel.zoneId);
});
showKeyState();

// The levels first: the map's query goes out before the socket's handshake competes with it.
void loadLevels();
live.start();
