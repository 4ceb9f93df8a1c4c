/**
 * The city map: one SVG path per zone (`data-zone-id`, `data-level`), filled by flood level through
 * CSS, with a legend, a tooltip on hover and focus, and keyboard navigation: the map is one tab stop
 * (a roving tabindex), the arrow keys move to the nearest zone in that direction, Enter or Space
 * opens it. In "pick" mode a click (or Enter) sets a report's location instead.
 */
import type { FloodLevel } from '@cityassist/client/documents';
import zoneMap from 'virtual:zones';
import { h, s } from './dom.ts';
import { FLOOD_LABEL, FLOOD_LEVELS, percent } from './format.ts';
import type { MapZone } from './zone-map-types.ts';

export interface ZoneState {
  level?: FloodLevel;
  score?: number;
  /** Time of the features the level comes from: a newer one wins, whichever arrives first. */
  asOf?: string;
  name: string;
}

export interface PickedPoint {
  lat: number;
  lon: number;
  zoneId: string | undefined;
}

export class CityMap {
  readonly zones = new Map<string, MapZone>(zoneMap.zones.map((z) => [z.id, z]));
  readonly state = new Map<string, ZoneState>(zoneMap.zones.map((z) => [z.id, { name: z.name }]));
  private readonly paths = new Map<string, SVGPathElement>();
  private readonly svg: SVGSVGElement;
  private readonly outline: SVGPathElement;
  private readonly marker: SVGCircleElement;
  private focused: string;
  private selected: string | undefined;
  private picking = false;

  constructor(
    container: HTMLElement,
    private readonly tooltip: HTMLElement,
    private readonly legend: HTMLElement,
    private readonly handlers: {
      select(zoneId: string): void;
      pick(point: PickedPoint): void;
    },
  ) {
    this.svg = s('svg', {
      class: 'city-map',
      viewBox: `0 0 ${zoneMap.width} ${zoneMap.height}`,
      role: 'group',
      'aria-label': `Map of Olinda's ${zoneMap.zones.length} zones, coloured by flood level`,
      'aria-describedby': 'map-help',
    });
    const group = s('g', { class: 'zones' });
    for (const zone of zoneMap.zones) {
      const path = s('path', {
        class: 'zone',
        d: zone.d,
        'data-zone-id': zone.id,
        'data-level': 'UNKNOWN',
        role: 'button',
        tabindex: -1,
        'aria-label': `${zone.name}: flood level not known yet`,
      });
      this.paths.set(zone.id, path);
      group.append(path);
    }
    this.outline = s('path', { class: 'selected-outline', d: '', 'aria-hidden': 'true' });
    this.marker = s('circle', { class: 'pick-marker', r: 6, cx: -100, cy: -100, 'aria-hidden': 'true' });
    this.svg.append(group, this.outline, this.marker);
    container.append(this.svg);
    this.focused = zoneMap.zones[0]!.id;
    this.paths.get(this.focused)!.setAttribute('tabindex', '0');
    this.listen();
    this.renderLegend();
  }

  /** Colours a zone; ignored when what is known is newer (a stale cached answer after a live alert). */
  setLevel(
    zoneId: string,
    update: { level: FloodLevel; score?: number; asOf?: unknown; name?: string },
  ): boolean {
    const path = this.paths.get(zoneId);
    const state = this.state.get(zoneId);
    if (!path || !state) return false;
    const asOf = typeof update.asOf === 'string' ? update.asOf : undefined;
    if (asOf && state.asOf && Date.parse(asOf) < Date.parse(state.asOf)) return false;
    const changed = state.level !== update.level;
    Object.assign(state, {
      level: update.level,
      ...(update.score !== undefined ? { score: update.score } : {}),
      ...(asOf ? { asOf } : {}),
      ...(update.name ? { name: update.name } : {}),
    });
    path.setAttribute('data-level', update.level);
    path.setAttribute('aria-label', this.describe(zoneId));
    return changed;
  }

  /** A short highlight on a zone whose level just changed (none with reduced motion, see CSS). */
  flash(zoneId: string): void {
    const path = this.paths.get(zoneId);
    if (!path) return;
    path.classList.remove('flash');
    // Restart the animation.
    void path.getBoundingClientRect();
    path.classList.add('flash');
  }

  renderLegend(): void {
    const counts = new Map<string, number>();
    for (const st of this.state.values()) {
      counts.set(st.level ?? 'UNKNOWN', (counts.get(st.level ?? 'UNKNOWN') ?? 0) + 1);
    }
    this.legend.replaceChildren(
      ...FLOOD_LEVELS.map((level) =>
        h(
          'li',
          { 'data-level': level },
          h('span', { class: 'swatch', 'data-level': level, 'aria-hidden': 'true' }),
          `${FLOOD_LABEL[level]} `,
          h('span', { class: 'count' }, `${counts.get(level) ?? 0} zones`),
        ),
      ),
      ...(counts.get('UNKNOWN')
        ? [
            h(
              'li',
              { 'data-level': 'UNKNOWN' },
              h('span', { class: 'swatch', 'data-level': 'UNKNOWN', 'aria-hidden': 'true' }),
              'Not known ',
              h('span', { class: 'count' }, `${counts.get('UNKNOWN')} zones`),
            ),
          ]
        : []),
    );
  }

  select(zoneId: string | undefined): void {
    if (this.selected) this.paths.get(this.selected)?.removeAttribute('aria-current');
    this.selected = zoneId;
    const path = zoneId ? this.paths.get(zoneId) : undefined;
    this.outline.setAttribute('d', path?.getAttribute('d') ?? '');
    if (path && zoneId) {
      path.setAttribute('aria-current', 'true');
      this.moveFocus(zoneId, false);
    }
  }

  setPicking(on: boolean): void {
    this.picking = on;
    this.svg.classList.toggle('picking', on);
  }

  /** Puts the report marker at a WGS 84 point. */
  mark(point: { lat: number; lon: number } | undefined): void {
    const { lon0, lat0, kx, ky } = zoneMap.projection;
    this.marker.setAttribute('cx', point ? String((point.lon - lon0) * kx) : '-100');
    this.marker.setAttribute('cy', point ? String((lat0 - point.lat) * ky) : '-100');
  }

  /** A point inside the zone, as WGS 84. */
  pointIn(zoneId: string): { lat: number; lon: number } | undefined {
    const zone = this.zones.get(zoneId);
    return zone ? this.toLonLat(zone.x, zone.y) : undefined;
  }

  describe(zoneId: string): string {
    const st = this.state.get(zoneId);
    if (!st?.level) return `${st?.name ?? zoneId}: flood level not known yet`;
    return `${st.name}: flood level ${FLOOD_LABEL[st.level]}${st.score !== undefined ? `, ${percent(st.score)}` : ''}`;
  }

  private toLonLat(x: number, y: number): { lat: number; lon: number } {
    const { lon0, lat0, kx, ky } = zoneMap.projection;
    return { lon: Math.round((lon0 + x / kx) * 1e6) / 1e6, lat: Math.round((lat0 - y / ky) * 1e6) / 1e6 };
  }

  private zoneOf(target: EventTarget | null): string | undefined {
    return target instanceof Element
      ? (target.closest('[data-zone-id]')?.getAttribute('data-zone-id') ?? undefined)
      : undefined;
  }

  private listen(): void {
    this.svg.addEventListener('pointermove', (e) => {
      const id = this.zoneOf(e.target);
      if (id) this.showTooltip(id, e.clientX, e.clientY);
      else this.hideTooltip();
    });
    this.svg.addEventListener('pointerleave', () => this.hideTooltip());
    this.svg.addEventListener('click', (e) => {
      const id = this.zoneOf(e.target);
      if (this.picking) {
        const ctm = this.svg.getScreenCTM();
        if (!ctm) return;
        const p = new DOMPoint(e.clientX, e.clientY).matrixTransform(ctm.inverse());
        this.handlers.pick({ ...this.toLonLat(p.x, p.y), zoneId: id });
        return;
      }
      if (id) this.handlers.select(id);
    });
    this.svg.addEventListener('focusin', (e) => {
      const id = this.zoneOf(e.target);
      if (!id) return;
      this.focused = id;
      const box = (e.target as SVGPathElement).getBoundingClientRect();
      this.showTooltip(id, box.left + box.width / 2, box.top + box.height / 2);
    });
    this.svg.addEventListener('focusout', () => this.hideTooltip());
    this.svg.addEventListener('keydown', (e) => {
      const directions: Record<string, [number, number]> = {
        ArrowLeft: [-1, 0],
        ArrowRight: [1, 0],
        ArrowUp: [0, -1],
        ArrowDown: [0, 1],
      };
      const dir = directions[e.key];
      if (dir) {
        e.preventDefault();
        const next = this.neighbour(this.focused, dir);
        if (next) this.moveFocus(next, true);
      } else if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        if (this.picking) {
          const zone = this.zones.get(this.focused)!;
          this.handlers.pick({ ...this.toLonLat(zone.x, zone.y), zoneId: zone.id });
        } else {
          this.handlers.select(this.focused);
        }
      } else if (e.key === 'Home' || e.key === 'End') {
        e.preventDefault();
        const all = zoneMap.zones;
        this.moveFocus((e.key === 'Home' ? all[0] : all[all.length - 1])!.id, true);
      }
    });
  }

  private moveFocus(zoneId: string, focus: boolean): void {
    this.paths.get(this.focused)?.setAttribute('tabindex', '-1');
    this.focused = zoneId;
    const path = this.paths.get(zoneId)!;
    path.setAttribute('tabindex', '0');
    if (focus) path.focus();
  }

  /** The nearest zone whose inside point lies in that direction, favouring the straight line. */
  private neighbour(fromId: string, [dx, dy]: [number, number]): string | undefined {
    const from = this.zones.get(fromId)!;
    let best: { id: string; cost: number } | undefined;
    for (const zone of zoneMap.zones) {
      if (zone.id === fromId) continue;
      const [vx, vy] = [zone.x - from.x, zone.y - from.y];
      const along = vx * dx + vy * dy;
      if (along <= 0) continue;
      const across = Math.abs(vx * dy - vy * dx);
      const cost = along + 2.5 * across;
      if (!best || cost < best.cost) best = { id: zone.id, cost };
    }
    return best?.id;
  }

  private showTooltip(zoneId: string, clientX: number, clientY: number): void {
    const st = this.state.get(zoneId);
    if (!st) return;
    this.tooltip.replaceChildren(
      h('strong', {}, st.name),
      h(
        'span',
        { class: 'tooltip-level', 'data-level': st.level ?? 'UNKNOWN' },
        st.level ? `Flood level ${FLOOD_LABEL[st.level]}` : 'Flood level not known',
        st.score !== undefined ? ` · ${percent(st.score)}` : '',
      ),
    );
    this.tooltip.hidden = false;
    const parent = this.tooltip.offsetParent?.getBoundingClientRect() ?? {
      left: 0,
      top: 0,
      width: innerWidth,
    };
    const left = Math.min(clientX - parent.left + 12, parent.width - this.tooltip.offsetWidth - 4);
    this.tooltip.style.left = `${Math.max(4, left)}px`;
    this.tooltip.style.top = `${clientY - parent.top + 14}px`;
  }

  private hideTooltip(): void {
    this.tooltip.hidden = true;
  }
}
