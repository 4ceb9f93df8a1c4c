// Flood first: the order of this list is the order of the models' fields in the schema.
import { flood } from './flood/index.ts';
import { aqi } from './aqi/index.ts';
import { energy } from './energy/index.ts';
import { imageRemote } from './image/image.remote.ts';
import type { ModelEntry } from './model.ts';

/** The models this service serves: each a folder of its own, started and wired by the same code. */
export const models: readonly ModelEntry[] = [flood, aqi, energy];

/**
 * Models other services serve (image: reports' triage) whose versions this registry keeps and
 * lists: promotions, rollbacks and settings change them here, and the serving service follows.
 */
export const servedElsewhere = [imageRemote] as const;
