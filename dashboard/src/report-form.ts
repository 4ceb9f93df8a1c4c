/**
 * The photo report form: a location picked on the map (or a point inside the selected zone, for
 * the keyboard), a category, a description and a photo, sent as the persisted SubmitReport in a
 * GraphQL multipart request with an Idempotency-Key, so a retry after a timeout files nothing twice.
 * The answer's triage is shown with the image model's heatmap over the photo.
 */
import {
  SubmitReportDocument,
  type ReportCategory,
  type SubmitReportMutation,
} from '@cityassist/client/documents';
import { describeErrors, executeMultipart } from './api.ts';
import { byId, h } from './dom.ts';
import { percent } from './format.ts';
import { apiKey } from './key.ts';
import type { CityMap, PickedPoint } from './map.ts';
import { overlayFigure } from './panel.ts';

export class ReportForm {
  private readonly form = byId<HTMLFormElement>('report-form');
  private readonly lat = byId<HTMLInputElement>('lat');
  private readonly lon = byId<HTMLInputElement>('lon');
  private readonly pickButton = byId<HTMLButtonElement>('pick-location');
  private readonly useZone = byId<HTMLButtonElement>('use-zone');
  private readonly where = byId('location-zone');
  private readonly status = byId('report-status');
  private readonly result = byId('triage-result');
  private readonly photo = byId<HTMLInputElement>('photo');
  /** One key per report: kept while the same report is retried, new once anything changes. */
  private idempotencyKey: string | undefined;
  private selectedZone: string | undefined;

  constructor(
    private readonly map: CityMap,
    private readonly onSubmitted: (report: SubmitReportMutation['submitReport']) => void,
  ) {
    this.pickButton.addEventListener('click', () =>
      this.setPicking(this.pickButton.getAttribute('aria-pressed') !== 'true'),
    );
    this.useZone.addEventListener('click', () => {
      const point = this.selectedZone ? this.map.pointIn(this.selectedZone) : undefined;
      if (point && this.selectedZone) this.setLocation({ ...point, zoneId: this.selectedZone });
    });
    for (const input of [this.lat, this.lon]) {
      input.addEventListener('input', () => {
        const [lat, lon] = [Number(this.lat.value), Number(this.lon.value)];
        this.map.mark(Number.isFinite(lat) && Number.isFinite(lon) ? { lat, lon } : undefined);
        this.where.textContent = '';
      });
    }
    this.form.addEventListener('input', () => (this.idempotencyKey = undefined));
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.submit();
    });
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.pickButton.getAttribute('aria-pressed') === 'true') {
        this.setPicking(false);
      }
    });
  }

  zoneSelected(zoneId: string | undefined): void {
    this.selectedZone = zoneId;
    this.useZone.disabled = !zoneId;
  }

  setPicking(on: boolean): void {
    this.pickButton.setAttribute('aria-pressed', String(on));
    this.pickButton.textContent = on ? 'Click the map… (Esc to cancel)' : 'Pick on the map';
    this.map.setPicking(on);
    // On a phone the map is far above the form.
    if (on && matchMedia('(max-width: 959px)').matches) byId('map').scrollIntoView({ block: 'center' });
  }

  /** A point picked on the map. */
  setLocation(point: PickedPoint): void {
    this.lat.value = point.lat.toFixed(6);
    this.lon.value = point.lon.toFixed(6);
    this.map.mark(point);
    this.idempotencyKey = undefined;
    const name = point.zoneId ? this.map.state.get(point.zoneId)?.name : undefined;
    this.where.textContent = name ? `In ${name}.` : 'Outside every zone: the API will refuse this location.';
    this.setPicking(false);
  }

  private async submit(): Promise<void> {
    const [lat, lon] = [Number(this.lat.value), Number(this.lon.value)];
    const description = byId<HTMLTextAreaElement>('description').value.trim();
    const category = byId<HTMLSelectElement>('category').value as ReportCategory | '';
    const file = this.photo.files?.[0];
    const problems = [
      !this.lat.value || !Number.isFinite(lat) || Math.abs(lat) > 90 ? 'a latitude' : '',
      !this.lon.value || !Number.isFinite(lon) || Math.abs(lon) > 180 ? 'a longitude' : '',
      description ? '' : 'a description',
    ].filter(Boolean);
    if (problems.length) {
      this.status.className = 'status error';
      this.status.textContent = `Please give ${problems.join(', ')}.`;
      return;
    }
    if (!apiKey()) {
      this.status.className = 'status error';
      this.status.textContent = 'Submitting needs an API key with scope reports:write (top of the page).';
      return;
    }
    this.idempotencyKey ??= crypto.randomUUID();
    const submit = this.form.querySelector<HTMLButtonElement>('button[type="submit"]')!;
    submit.disabled = true;
    this.status.className = 'status';
    this.status.textContent = file ? 'Sending the report and its photo…' : 'Sending the report…';
    this.result.replaceChildren();
    const result = await executeMultipart(
      SubmitReportDocument,
      { input: { location: { lat, lon }, description, ...(category ? { category } : {}) }, photo: null },
      file ? { photo: file } : {},
      { headers: { 'idempotency-key': this.idempotencyKey } },
    );
    submit.disabled = false;
    const report = result.data?.submitReport;
    if (!report) {
      this.status.className = 'status error';
      this.status.textContent = `Not filed: ${describeErrors(result.errors) || `HTTP ${result.status}`}`;
      return;
    }
    this.idempotencyKey = undefined;
    this.status.className = 'status ok';
    this.status.textContent = `Filed as ${report.id} in ${report.zone?.name ?? 'its zone'} (${report.status.toLowerCase()}).`;
    this.result.replaceChildren(this.triageView(report, file));
    this.onSubmitted(report);
  }

  private triageView(report: SubmitReportMutation['submitReport'], file: File | undefined): HTMLElement {
    const triage = report.triage;
    if (!triage) {
      return h(
        'p',
        { class: 'help' },
        file
          ? 'The image model has not answered; the report will be triaged when it is back.'
          : 'No photo, so no triage.',
      );
    }
    return h(
      'div',
      { class: 'triage', 'data-report-id': report.id },
      h('h3', {}, 'Triage'),
      h(
        'p',
        {},
        'The image model sees ',
        h('strong', { class: 'triage-label' }, triage.label.replace('_', ' ')),
        ` (${percent(triage.confidence)} confident); suggested priority `,
        h('strong', { class: 'triage-priority' }, triage.suggestedPriority.toLowerCase()),
        triage.floodLevel ? `, weighing the zone's ${triage.floodLevel.toLowerCase()} flood level` : '',
        triage.needsReview ? '. A person should check it.' : '.',
      ),
      h(
        'ul',
        { class: 'score-list', 'aria-label': 'Every class the model scored' },
        ...triage.scores.map((sc) =>
          h(
            'li',
            {},
            h('meter', { min: 0, max: 1, value: sc.score, 'aria-label': sc.label }),
            ` ${sc.label.replace('_', ' ')} ${percent(sc.score)}`,
          ),
        ),
      ),
      file
        ? overlayFigure(URL.createObjectURL(file), triage.explanation.heatmap ?? null, 'Your photo')
        : null,
      h('p', { class: 'help' }, `Model ${triage.model.name} ${triage.model.version}.`),
    );
  }
}
