/**
 * The panel's two charts as plain SVG: the explanation's signed contributions as bars, and a forecast
 * as a line with its 90% band. Each chart is drawn for sighted users and backed by a table that a
 * screen reader reads instead (the SVG itself is aria-hidden).
 */
import { h, s } from './dom.ts';
import { featureValue, hour, signed, time } from './format.ts';

export interface Contribution {
  feature: string;
  value?: number | null;
  contribution: number;
}

/**
 * Diverging bars around zero: to the right (warm) a feature that raised the flood probability, to
 * the left (cool) one that lowered it, in log-odds as TreeSHAP gives them.
 */
export function explanationChart(rows: readonly Contribution[], caption: string): HTMLElement {
  const width = 360;
  const rowHeight = 30;
  const labelWidth = 150;
  const valueWidth = 52;
  const plot = width - labelWidth - valueWidth;
  const max = Math.max(1e-9, ...rows.map((r) => Math.abs(r.contribution)));
  const zero = labelWidth + plot / 2;
  const svg = s('svg', {
    class: 'chart explain-chart',
    viewBox: `0 0 ${width} ${rows.length * rowHeight + 8}`,
    'aria-hidden': 'true',
    focusable: 'false',
  });
  svg.append(s('line', { class: 'axis', x1: zero, x2: zero, y1: 0, y2: rows.length * rowHeight + 8 }));
  rows.forEach((row, i) => {
    const y = i * rowHeight + 4;
    const length = (Math.abs(row.contribution) / max) * (plot / 2);
    const raises = row.contribution >= 0;
    svg.append(
      s(
        'g',
        { class: `explain-bar ${raises ? 'raises' : 'lowers'}`, 'data-feature': row.feature },
        s('text', { class: 'label', x: labelWidth - 6, y: y + 12, 'text-anchor': 'end' }, row.feature),
        s(
          'text',
          { class: 'sublabel', x: labelWidth - 6, y: y + 24, 'text-anchor': 'end' },
          `= ${featureValue(row.value)}`,
        ),
        s('rect', {
          class: 'bar',
          x: raises ? zero : zero - length,
          y: y + 4,
          width: Math.max(1, length),
          height: rowHeight - 10,
          rx: 2,
        }),
        s(
          'text',
          { class: 'value', x: width - 2, y: y + 18, 'text-anchor': 'end' },
          signed(row.contribution),
        ),
      ),
    );
  });
  const table = h(
    'table',
    {},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, h('th', {}, 'Feature'), h('th', {}, 'Value'), h('th', {}, 'Contribution'))),
    h(
      'tbody',
      {},
      ...rows.map((r) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, r.feature),
          h('td', {}, featureValue(r.value)),
          h('td', {}, `${signed(r.contribution)} (${r.contribution >= 0 ? 'raises' : 'lowers'} the risk)`),
        ),
      ),
    ),
  );
  return h(
    'figure',
    { class: 'figure' },
    svg,
    h('div', { class: 'visually-hidden' }, table),
    h(
      'figcaption',
      { 'aria-hidden': 'true' },
      caption,
      h('span', { class: 'key raises' }, 'raises'),
      h('span', { class: 'key lowers' }, 'lowers'),
    ),
  );
}

export interface BandPoint {
  at: unknown;
  value: number;
  lower?: number | null;
  upper?: number | null;
  /** A class for the point's marker and strip cell (an AQI category). */
  tone?: string;
  /** What the table says about the point besides its numbers. */
  note?: string;
}

/** A line of point forecasts with its prediction band, hour by hour, and coloured markers. */
export function bandChart(
  points: readonly BandPoint[],
  opts: { caption: string; unit: string; className: string; bandLabel?: string },
): HTMLElement {
  const [width, height] = [360, 190];
  const pad = { left: 40, right: 10, top: 10, bottom: 36 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const top = Math.max(1e-9, ...points.map((p) => Math.max(p.value, p.upper ?? p.value))) * 1.1;
  const bottom = Math.min(0, ...points.map((p) => Math.min(p.value, p.lower ?? p.value)));
  const x = (i: number) => pad.left + (points.length <= 1 ? plotW / 2 : (i / (points.length - 1)) * plotW);
  const y = (v: number) => pad.top + plotH - ((v - bottom) / (top - bottom)) * plotH;
  const svg = s('svg', {
    class: `chart band-chart ${opts.className}`,
    viewBox: `0 0 ${width} ${height}`,
    'aria-hidden': 'true',
    focusable: 'false',
  });
  for (const t of [bottom, (bottom + top) / 2, top / 1.1]) {
    svg.append(
      s('line', { class: 'grid', x1: pad.left, x2: width - pad.right, y1: y(t), y2: y(t) }),
      s('text', { class: 'tick', x: pad.left - 4, y: y(t) + 4, 'text-anchor': 'end' }, Math.round(t)),
    );
  }
  if (points.some((p) => p.lower != null && p.upper != null)) {
    const upper = points.map((p, i) => `${x(i).toFixed(1)},${y(p.upper ?? p.value).toFixed(1)}`);
    const lower = points.map((p, i) => `${x(i).toFixed(1)},${y(p.lower ?? p.value).toFixed(1)}`).reverse();
    svg.append(s('path', { class: 'band', d: `M${upper.join('L')}L${lower.join('L')}Z` }));
  }
  svg.append(
    s('path', {
      class: 'line',
      d: `M${points.map((p, i) => `${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join('L')}`,
    }),
  );
  const stripY = height - pad.bottom + 4;
  const cell = points.length > 1 ? plotW / (points.length - 1) : plotW;
  points.forEach((p, i) => {
    if (p.tone) {
      svg.append(
        s('rect', { class: `strip ${p.tone}`, x: x(i) - cell / 2, y: stripY, width: cell, height: 6 }),
        s('circle', { class: `dot ${p.tone}`, cx: x(i), cy: y(p.value), r: 2.6 }),
      );
    }
    // Every sixth hour, and the last one unless it would crowd the one before.
    const last = points.length - 1;
    if ((i % 6 === 0 && (i === 0 || last - i >= 3)) || (i === last && last % 6 >= 3)) {
      const anchor = i === 0 ? 'start' : i === points.length - 1 ? 'end' : 'middle';
      svg.append(s('text', { class: 'tick', x: x(i), y: height - 8, 'text-anchor': anchor }, hour(p.at)));
    }
  });
  svg.append(s('text', { class: 'unit', x: 2, y: pad.top - 1 }, opts.unit));
  const table = h(
    'table',
    {},
    h('caption', {}, opts.caption),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, 'Hour'),
        h('th', {}, `Forecast (${opts.unit})`),
        h('th', {}, opts.bandLabel ?? '90% interval'),
        h('th', {}, 'Note'),
      ),
    ),
    h(
      'tbody',
      {},
      ...points.map((p) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, time(p.at)),
          h('td', {}, p.value.toFixed(1)),
          h(
            'td',
            {},
            p.lower != null && p.upper != null ? `${p.lower.toFixed(1)}–${p.upper.toFixed(1)}` : '',
          ),
          h('td', {}, p.note ?? ''),
        ),
      ),
    ),
  );
  return h(
    'figure',
    { class: 'figure' },
    svg,
    h('div', { class: 'visually-hidden' }, table),
    h('figcaption', { 'aria-hidden': 'true' }, opts.caption),
  );
}
