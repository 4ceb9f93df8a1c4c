import type { ZonesContext } from '../context.ts';
import type { Zone } from './zone.type.ts';

/** Resolves `Zone` entities for the gateway; unknown ids give null, as Federation expects. */
export const zoneReference = {
  __resolveReference(ref: { id: string }, ctx: ZonesContext): Promise<Zone | undefined> {
    return ctx.zoneById.load(ref.id);
  },
};
