import type { BaseContext } from '@cityassist/service-kit';
import type DataLoader from 'dataloader';
import type { ZoneRepository } from './zone/zone.repository.ts';
import type { Zone } from './zone/zone.type.ts';

export interface ZonesContext extends BaseContext {
  zones: ZoneRepository;
  /** Per-request: the gateway's entity lookups for N zones become one query. */
  zoneById: DataLoader<string, Zone | undefined>;
}
