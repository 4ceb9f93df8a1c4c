/**
 * The zone panel: flood probability and level with its top-5 explanation, the 24-hour AQI forecast,
 * energy demand when the API serves it, the open reports (photos and heatmaps with reports:read),
 * and which model versions answered and whether any answer is degraded.
 */
import {
  DashboardReportDocument,
  DashboardZoneDocument,
  type DashboardZoneQuery,
  type FloodLevel,
} from '@cityassist/client/documents';
import { describeErrors, execute, type ApiError } from './api.ts';
import { bandChart, explanationChart } from './charts.ts';
import { h } from './dom.ts';
import { ENERGY_FIELD, energyOf, renderEnergy } from './energy.ts';
import { AQI_LABEL, dateTime, FLOOD_LABEL, percent } from './format.ts';
import { apiKey } from './key.ts';

type Zone = NonNullable<DashboardZoneQuery['zone']>;

export interface ModelAnswer {
  model: string;
  version: string;
  degraded: boolean;
}

export class ZonePanel {
  private current:
    { id: string; zone?: Zone; live?: { level: FloodLevel; score: number; asOf: unknown } } | undefined;
  private request: AbortController | undefined;

  constructor(
    private readonly root: HTMLElement,
    private readonly title: HTMLElement,
    private readonly body: HTMLElement,
    private readonly onModels: (answers: ModelAnswer[]) => void,
  ) {}

  get zoneId(): string | undefined {
    return this.current?.id;
  }

  async show(zoneId: string, opts: { focus?: boolean } = {}): Promise<void> {
    this.request?.abort();
    const request = (this.request = new AbortController());
    this.current = { id: zoneId };
    this.root.dataset['state'] = 'loading';
    this.root.dataset['zoneId'] = zoneId;
    this.body.setAttribute('aria-busy', 'true');
    let result;
    try {
      result = await execute(DashboardZoneDocument, { id: zoneId }, { signal: request.signal });
    } catch {
      return; // superseded by another zone
    }
    const zone = result.data?.zone;
    this.body.removeAttribute('aria-busy');
    if (!zone) {
      this.title.textContent = 'Zone';
      this.body.replaceChildren(
        h('p', { class: 'error' }, describeErrors(result.errors) || `No zone ${zoneId}`),
      );
      this.root.dataset['state'] = 'error';
      return;
    }
    this.current = { id: zoneId, zone };
    this.render(zone, result.errors ?? []);
    this.root.dataset['state'] = 'ready';
    if (opts.focus) this.root.focus();
  }

  /** A live alert for the zone on show: its new level now, without waiting for a (cached) query. */
  applyAlert(zoneId: string, alert: { level: FloodLevel; score: number; asOf: unknown }): void {
    if (this.current?.id !== zoneId || !this.current.zone) return;
    this.current.live = alert;
    const badge = this.body.querySelector<HTMLElement>('.flood-summary');
    if (badge) badge.replaceWith(this.floodSummary(this.current.zone, alert));
  }

  private floodSummary(zone: Zone, live?: { level: FloodLevel; score: number; asOf: unknown }): HTMLElement {
    const risk = zone.floodRisk;
    if (!risk && !live) return h('p', { class: 'flood-summary help' }, 'No flood prediction for this zone.');
    const level = live?.level ?? risk!.level;
    const probability = live?.score ?? risk!.probability;
    return h(
      'div',
      { class: 'flood-summary' },
      h('span', { class: 'level-badge', 'data-level': level }, FLOOD_LABEL[level]),
      h('span', { class: 'big-number' }, percent(probability)),
      h('span', { class: 'help' }, ' chance of flooding in the next hour'),
      live
        ? h(
            'p',
            { class: 'help live-note' },
            `Updated live at ${dateTime(live.asOf)}; the explanation below is from before.`,
          )
        : h('p', { class: 'help' }, `From the features of ${dateTime(risk!.asOf)}.`),
    );
  }

  private render(zone: Zone, errors: ApiError[]): void {
    this.title.textContent = zone.name;
    const answers: ModelAnswer[] = [];
    const sections: HTMLElement[] = [
      h(
        'p',
        { class: 'zone-facts' },
        `${zone.neighbourhood} · ${zone.population.toLocaleString()} people · ${zone.areaKm2.toFixed(2)} km² · `,
        `mean elevation ${zone.elevationMean.toFixed(1)} m · ${percent(zone.lowLyingShare)} below 5 m`,
      ),
    ];

    // Flood risk and why.
    const flood = h('section', { class: 'panel-section', 'aria-labelledby': 'flood-title' });
    flood.append(h('h3', { id: 'flood-title' }, 'Flood risk'), this.floodSummary(zone, this.current?.live));
    if (zone.floodRisk) {
      answers.push({
        model: zone.floodRisk.model.name,
        version: zone.floodRisk.model.version,
        degraded: zone.floodRisk.degraded,
      });
      if (zone.floodRisk.degraded) {
        flood.append(h('p', { class: 'degraded' }, 'Degraded: a fallback answered, not the model.'));
      }
      if (zone.floodRisk.explain.length) {
        flood.append(
          explanationChart(
            zone.floodRisk.explain,
            'Why: the five features that moved the probability most (TreeSHAP, log-odds)',
          ),
        );
      }
    }
    sections.push(flood);

    // Air quality.
    const air = h('section', { class: 'panel-section', 'aria-labelledby': 'air-title' });
    air.append(h('h3', { id: 'air-title' }, 'Air quality, next 24 hours'));
    const aqi = zone.aqiForecast;
    if (aqi) {
      answers.push({ model: aqi.model.name, version: aqi.model.version, degraded: aqi.degraded });
      if (aqi.next24Hours) {
        air.append(
          h(
            'p',
            {},
            h(
              'span',
              { class: 'aqi-badge', 'data-category': aqi.next24Hours.category },
              `AQI ${aqi.next24Hours.aqi}`,
            ),
            ` ${AQI_LABEL[aqi.next24Hours.category]} over the next 24 hours (PM2.5 from sensor ${aqi.sensor.id}, ${aqi.sensor.distanceKm.toFixed(1)} km away).`,
          ),
        );
      }
      if (aqi.degraded) {
        air.append(h('p', { class: 'degraded' }, 'Degraded: the baseline answered, not the model.'));
      }
      air.append(
        bandChart(
          aqi.points.map((p) => ({
            at: p.at,
            value: p.value,
            lower: p.lower,
            upper: p.upper,
            tone: `aqi-${p.category}`,
            note: `AQI ${p.aqi}, ${AQI_LABEL[p.category]}`,
          })),
          {
            caption: `PM2.5 forecast (${aqi.unit}) with its 90% interval; colours are the hour's AQI category`,
            unit: aqi.unit,
            className: 'forecast-chart',
          },
        ),
        aqiLegend([...new Set(aqi.points.map((p) => p.category))]),
      );
    } else {
      air.append(
        h(
          'p',
          { class: 'help' },
          errorFor(errors, 'aqiForecast') ?? 'No air-quality forecast for this zone.',
        ),
      );
    }
    sections.push(air);

    // Energy demand: only when the operation selects it (see energy.ts).
    const energy = energyOf(zone);
    if (energy !== undefined) {
      if (energy?.model) {
        answers.push({
          model: energy.model.name,
          version: energy.model.version,
          degraded: energy.degraded ?? false,
        });
      }
      sections.push(
        h(
          'section',
          { class: 'panel-section energy-section', 'aria-labelledby': 'energy-title' },
          h('h3', { id: 'energy-title' }, 'Energy demand'),
          energy
            ? renderEnergy(energy)
            : h(
                'p',
                { class: 'help' },
                errorFor(errors, ENERGY_FIELD) ?? 'No energy demand forecast for this zone.',
              ),
        ),
      );
    }

    // Open reports: new, triaged or in progress, newest first.
    const open =
      zone.open && zone.triaged && zone.inProgress
        ? [...zone.open, ...zone.triaged, ...zone.inProgress].sort((a, b) =>
            String(b.createdAt).localeCompare(String(a.createdAt)),
          )
        : undefined;
    const reports = h('section', { class: 'panel-section', 'aria-labelledby': 'reports-title' });
    reports.append(h('h3', { id: 'reports-title' }, `Open reports (${open?.length ?? 0})`));
    if (!open) {
      reports.append(
        h('p', { class: 'help' }, errorFor(errors, 'open') ?? 'Reports are not available right now.'),
      );
    } else if (!open.length) {
      reports.append(h('p', { class: 'help' }, 'No open reports.'));
    } else {
      const canSeePhotos = Boolean(apiKey());
      const list = h('ul', { class: 'report-list' });
      for (const report of open.slice(0, 20)) {
        if (report.triage) {
          answers.push({
            model: report.triage.model.name,
            version: report.triage.model.version,
            degraded: false,
          });
        }
        const item = h(
          'li',
          { class: 'report-item', 'data-report-id': report.id },
          h('strong', {}, report.category.replace('_', ' ').toLowerCase()),
          ` · ${report.status.replace('_', ' ').toLowerCase()} · ${dateTime(report.createdAt)}`,
          report.suggestedPriority ? ` · priority ${report.suggestedPriority.toLowerCase()}` : '',
          h(
            'div',
            { class: 'triage-line' },
            report.triage
              ? h(
                  'span',
                  {},
                  'Image model: ',
                  h('span', { class: 'triage-label' }, report.triage.label.replace('_', ' ')),
                  ` (${percent(report.triage.confidence)})`,
                  report.triage.needsReview ? ' · needs review' : '',
                )
              : 'Not triaged (no photo, or the image model has not answered yet).',
          ),
        );
        if (canSeePhotos && report.triage) {
          const button = h(
            'button',
            { type: 'button', class: 'link-button', 'aria-expanded': 'false' },
            'Show photo and heatmap',
          );
          button.addEventListener('click', () => void this.showPhoto(report.id, item, button));
          item.append(button);
        }
        list.append(item);
      }
      reports.append(list);
      if (open.length > 20) reports.append(h('p', { class: 'help' }, `And ${open.length - 20} more.`));
      if (!canSeePhotos) {
        reports.append(
          h('p', { class: 'help' }, 'Enter an API key with reports:read to see photos and heatmaps.'),
        );
      }
    }
    sections.push(reports);

    // Who answered.
    const degraded =
      answers.some((a) => a.degraded) || errors.some((e) => e.extensions?.code === 'PREDICTION_DEGRADED');
    const seen = new Map<string, ModelAnswer>();
    for (const a of answers) {
      seen.set(`${a.model}@${a.version}`, {
        ...a,
        degraded: a.degraded || Boolean(seen.get(`${a.model}@${a.version}`)?.degraded),
      });
    }
    sections.push(
      h(
        'section',
        { class: 'panel-section models', 'aria-labelledby': 'models-title' },
        h('h3', { id: 'models-title' }, 'Answered by'),
        h(
          'ul',
          { class: 'model-list' },
          ...[...seen.values()].map((a) =>
            h(
              'li',
              { 'data-model': a.model },
              `${a.model} ${a.version}`,
              a.degraded ? h('span', { class: 'degraded' }, ' degraded') : '',
            ),
          ),
        ),
        h(
          'p',
          { class: degraded ? 'degraded' : 'help', 'data-degraded': String(degraded) },
          degraded
            ? 'This answer is degraded: at least one model did not answer and a fallback did.'
            : 'Not degraded: every model answered.',
        ),
        ...errors
          .filter((e) => e.extensions?.code && e.extensions.code !== 'PREDICTION_DEGRADED')
          .map((e) => h('p', { class: 'help' }, `${e.extensions!.code}: ${e.message}`)),
      ),
    );
    this.body.replaceChildren(...sections);
    this.onModels([...seen.values()]);
  }

  private async showPhoto(reportId: string, item: HTMLElement, button: HTMLButtonElement): Promise<void> {
    const existing = item.querySelector('.report-photo');
    if (existing) {
      existing.remove();
      button.setAttribute('aria-expanded', 'false');
      button.textContent = 'Show photo and heatmap';
      return;
    }
    button.disabled = true;
    const result = await execute(DashboardReportDocument, { id: reportId });
    button.disabled = false;
    const report = result.data?.report;
    if (!report) {
      item.append(
        h('p', { class: 'error report-photo' }, describeErrors(result.errors) || 'Report not found'),
      );
      return;
    }
    button.setAttribute('aria-expanded', 'true');
    button.textContent = 'Hide photo';
    item.append(
      h(
        'div',
        { class: 'report-photo' },
        h('p', {}, report.description),
        report.photo?.dataUrl
          ? overlayFigure(
              report.photo.dataUrl,
              report.triage?.explanation.heatmap ?? null,
              `Photo of report ${report.id}`,
            )
          : h('p', { class: 'help' }, 'No photo.'),
      ),
    );
  }
}

function errorFor(errors: ApiError[], field: string): string | undefined {
  const e = errors.find((err) => err.path?.includes(field));
  return e ? `${e.message}${e.extensions?.code ? ` (${e.extensions.code})` : ''}` : undefined;
}

function aqiLegend(categories: string[]): HTMLElement {
  return h(
    'ul',
    { class: 'aqi-legend', 'aria-label': 'AQI categories in this forecast' },
    ...categories.map((c) =>
      h(
        'li',
        {},
        h('span', { class: `swatch aqi-${c}`, 'aria-hidden': 'true' }),
        AQI_LABEL[c as keyof typeof AQI_LABEL] ?? c,
      ),
    ),
  );
}

/** A photo with the image model's class activation map drawn over it. */
export function overlayFigure(photo: string, heatmap: string | null, alt: string): HTMLElement {
  return h(
    'figure',
    { class: 'overlay' },
    h(
      'div',
      { class: 'overlay-stack' },
      h('img', { src: photo, alt }),
      heatmap ? h('img', { class: 'heatmap', src: heatmap, alt: '' }) : null,
    ),
    h(
      'figcaption',
      { class: 'help' },
      heatmap ? 'Coloured: where the image model looked (class activation map).' : 'No heatmap.',
    ),
  );
}
