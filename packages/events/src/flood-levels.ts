/**
 * Topic the predictions service publishes after each flood re-score; the reports service keeps the
 * latest level per zone from it to weigh citizen reports (a fallen tree in a high-risk zone).
 */
export const FLOOD_LEVELS = 'flood.levels';

export type FloodLevelName = 'LOW' | 'MODERATE' | 'HIGH' | 'SEVERE';

export interface FloodLevelsEvent {
  /** One entry per zone scored; `asOf` is the ISO 8601 time the level describes. */
  levels: { zoneId: string; level: FloodLevelName; asOf: string }[];
  /**
   * True when `levels` lists every zone that has a level (a full re-score): a zone missing from it
   * has no current level. False for a partial update, which leaves other zones as they were.
   */
  complete: boolean;
}

const LEVEL_NAMES: readonly string[] = ['LOW', 'MODERATE', 'HIGH', 'SEVERE'];

/**
 * The event when `payload` is a well-formed FloodLevelsEvent, else undefined. Payloads cross Redis
 * from another service, so a subscriber checks them rather than trusting their shape.
 */
export function parseFloodLevelsEvent(payload: unknown): FloodLevelsEvent | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const { levels, complete } = payload as Record<string, unknown>;
  if (typeof complete !== 'boolean' || !Array.isArray(levels)) return undefined;
  const parsed: FloodLevelsEvent['levels'] = [];
  for (const entry of levels as unknown[]) {
    if (typeof entry !== 'object' || entry === null) return undefined;
    const { zoneId, level, asOf } = entry as Record<string, unknown>;
    if (typeof zoneId !== 'string' || !/^[A-Za-z0-9_.:-]{1,64}$/.test(zoneId)) return undefined;
    if (typeof level !== 'string' || !LEVEL_NAMES.includes(level)) return undefined;
    if (typeof asOf !== 'string' || Number.isNaN(Date.parse(asOf))) return undefined;
    parsed.push({ zoneId, level: level as FloodLevelName, asOf });
  }
  return { levels: parsed, complete };
}
