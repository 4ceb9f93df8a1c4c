/** Labels, colours' class names and number formats shared by the map, the panel and the feed. */
import type { AqiCategory, FloodLevel } from '@cityassist/client/documents';

export const FLOOD_LEVELS: readonly FloodLevel[] = ['LOW', 'MODERATE', 'HIGH', 'SEVERE'];

export const FLOOD_LABEL: Record<FloodLevel, string> = {
  LOW: 'Low',
  MODERATE: 'Moderate',
  HIGH: 'High',
  SEVERE: 'Severe',
};

export const AQI_CATEGORIES: readonly AqiCategory[] = [
  'GOOD',
  'MODERATE',
  'UNHEALTHY_FOR_SENSITIVE_GROUPS',
  'UNHEALTHY',
  'VERY_UNHEALTHY',
  'HAZARDOUS',
];

export const AQI_LABEL: Record<AqiCategory, string> = {
  GOOD: 'Good',
  MODERATE: 'Moderate',
  UNHEALTHY_FOR_SENSITIVE_GROUPS: 'Unhealthy for sensitive groups',
  UNHEALTHY: 'Unhealthy',
  VERY_UNHEALTHY: 'Very unhealthy',
  HAZARDOUS: 'Hazardous',
};

export const percent = (p: number) => `${(p * 100).toFixed(p < 0.1 ? 1 : 0)}%`;

export const signed = (v: number, digits = 2) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(digits)}`;

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

const hourFormat = new Intl.DateTimeFormat(undefined, { hour: 'numeric' });

/** A chart's axis label: the hour alone ("6 PM", "18"). */
export const hour = (iso: unknown) => (typeof iso === 'string' ? hourFormat.format(new Date(iso)) : '');
export const time = (iso: unknown) => (typeof iso === 'string' ? timeFormat.format(new Date(iso)) : '');
export const dateTime = (iso: unknown) =>
  typeof iso === 'string' ? dateTimeFormat.format(new Date(iso)) : '';

/** A feature's input value as the explanation shows it. */
export const featureValue = (v: number | null | undefined) =>
  v === null || v === undefined
    ? 'missing'
    : Number.isInteger(v)
      ? String(v)
      : v.toFixed(Math.abs(v) < 1 ? 3 : 1);
