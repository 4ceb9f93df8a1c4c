import type { Zone } from './zone.type.ts';

/** A zone is the zones subgraph's entity: this one adds fields to it (models/*), keyed by id. */
export const zoneReference = {
  __resolveReference: (ref: { id: string }): Zone => ({ id: ref.id }),
};
