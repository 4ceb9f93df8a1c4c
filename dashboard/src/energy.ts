/**
 * Energy demand in the zone panel: `Zone.energyDemand(hours: 24)` as DashboardZone selects it, drawn
 * as a line with its 90% band and the first hour's explanation bars. The panel shows the section
 * exactly when the generated DashboardZone document selects `energyDemand` (ENERGY_SELECTED), so
 * taking the field out of schema/operations/dashboard/DashboardZone.graphql (and `npm run codegen`)
 * hides it again; dashboard/src/energy.test.ts keeps the operation in step with the schema.
 */
import { DashboardZoneDocument } from '@cityassist/client/documents';
import { bandChart, explanationChart } from './charts.ts';
import { ENERGY_FIELD, selectsField } from './energy-field.ts';
import { h } from './dom.ts';

export { ENERGY_FIELD };

export const ENERGY_SELECTED = selectsField(DashboardZoneDocument, ENERGY_FIELD);

/** What the panel draws: the fields DashboardZone selects (read structurally, see energyOf). */
export interface EnergyDemand {
  points: { at: unknown; value: number; lower?: number | null; upper?: number | null }[];
  explain?: { feature: string; value?: number | null; contribution: number }[];
  model?: { name: string; version: string };
  degraded?: boolean;
  unit?: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The zone's energy answer: undefined when not selected, null when the API had none for the zone. */
export function energyOf(zone: object): EnergyDemand | null | undefined {
  if (!ENERGY_SELECTED) return undefined;
  const value = (zone as Record<string, unknown>)[ENERGY_FIELD];
  if (!isRecord(value) || !Array.isArray(value['points'])) return null;
  return value as unknown as EnergyDemand;
}

/** The energy section's body: the forecast as a line with its 90% band, and why. */
export function renderEnergy(energy: EnergyDemand | null): HTMLElement {
  if (!energy?.points.length) {
    return h('p', { class: 'help' }, 'No energy demand forecast for this zone.');
  }
  const unit = energy.unit ?? 'kW';
  return h(
    'div',
    { class: 'energy' },
    energy.degraded ? h('p', { class: 'degraded' }, 'Degraded: a fallback answered, not the model.') : null,
    bandChart(
      energy.points.map((p) => ({
        at: p.at,
        value: p.value,
        lower: p.lower ?? null,
        upper: p.upper ?? null,
      })),
      { caption: `Energy demand forecast (${unit}) with its 90% interval`, unit, className: 'energy-chart' },
    ),
    energy.explain?.length
      ? explanationChart(
          energy.explain,
          `Why: the features that moved the next hour most (TreeSHAP, ${unit})`,
        )
      : null,
  );
}
