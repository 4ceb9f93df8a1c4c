/**
 * Every code a rain-radar failure carries. The README's error table lists the same set, and
 * `errors.test.ts` keeps the two from drifting apart (the fastify `lib/errors.js` habit).
 */
export const RADAR_ERRORS = {
  RADAR_NOT_NETCDF:
    'The bytes are not a readable NetCDF-3 file (empty, truncated, NetCDF-4/HDF5, or garbage).',
  RADAR_NO_PRECIPITATION:
    'No precipitation variable was found, or the one named is not a gridded number field.',
  RADAR_UNITS: 'The precipitation units are not a depth of water (mm or kg m-2).',
  RADAR_TIME_AXIS:
    'The time axis is absent, unparseable, not strictly increasing, not on whole hours, or not hourly accumulations.',
  RADAR_NO_GEOLOCATION: 'The grid has no usable latitude/longitude for its cells.',
  RADAR_GRID_MISMATCH:
    'The grid does not cover the zones (another place), or the weights belong to another grid.',
  RADAR_ZONES_INVALID: 'The zone list is empty, repeats an id, or holds a polygon with no area.',
} as const;

export type RadarErrorCode = keyof typeof RADAR_ERRORS;

/**
 * A refusal with a stable `code` for the pipeline to branch on; the message names the file and
 * what was found in it, for the person who has to fix the feed.
 */
export class RadarError extends Error {
  override readonly name = 'RadarError';

  constructor(
    readonly code: RadarErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
