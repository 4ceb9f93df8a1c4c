export { RADAR_ERRORS, RadarError, type RadarErrorCode } from './errors.ts';
export { readRadar, STAGE_IV_VARIABLE, type RadarGrid, type ReadRadarOptions } from './radar.ts';
export {
  gridKey,
  overlayWeights,
  zoneHourlyRain,
  type Bbox,
  type CellWeight,
  type OverlayOptions,
  type OverlayWeights,
  type ZoneHourRain,
  type ZoneInput,
  type ZoneWeights,
} from './overlay.ts';
