/**
 * The feature views: each defined once, here, with the columns serving reads and training exports.
 * The pipeline that fills a view computes it (etl/pipelines/<name>/); the online store keeps its
 * recent rows per entity, the offline store all of them as Parquet.
 */
export interface FeatureSpec {
  name: string;
  unit: string;
  description: string;
}

export interface FeatureView {
  name: string;
  /** What a row describes: a zone id, a sensor id. */
  entity: 'zone' | 'sensor';
  description: string;
  features: readonly FeatureSpec[];
  /**
   * How far back from a load's newest row the online store keeps rows (ms): what serving may be
   * asked about (`at`, forecast windows). Older rows stay offline.
   */
  onlineWindowMs: number;
  /**
   * How the offline Parquet files are partitioned: by `day` (hourly views) or `month` (daily
   * views, which would otherwise write one tiny file per day). Default day.
   */
  partition?: 'day' | 'month';
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export const zoneRainHourly: FeatureView = {
  name: 'zone_rain_hourly',
  entity: 'zone',
  description:
    'Rain per zone and hour: the hour starting at as_of. From radar (area-weighted over the zone) or gauges (nearest gauges, inverse-distance weighted).',
  features: [
    { name: 'rain_mm', unit: 'mm', description: 'Rain in the hour.' },
    { name: 'coverage', unit: '1', description: 'Share of the zone the source covered.' },
  ],
  onlineWindowMs: 7 * DAY_MS,
};

export const zoneFloodFeatures: FeatureView = {
  name: 'zone_flood_features',
  entity: 'zone',
  description:
    "The flood model's inputs per zone, as of the end of an hour: accumulated rain from zone_rain_hourly and the zone's terrain.",
  features: [
    { name: 'rain_1h_mm', unit: 'mm', description: 'Rain in the last hour.' },
    { name: 'rain_24h_mm', unit: 'mm', description: 'Rain in the last 24 hours.' },
    { name: 'rain_72h_mm', unit: 'mm', description: 'Rain in the last 72 hours.' },
    { name: 'elevation_mean_m', unit: 'm', description: 'Mean ground height of the zone.' },
    { name: 'elevation_min_m', unit: 'm', description: 'Lowest ground height of the zone.' },
    { name: 'low_lying_share', unit: '1', description: 'Share of the zone below 5 m.' },
    {
      name: 'flooded_fraction',
      unit: '1',
      description: 'Share of the zone a satellite saw flooded; missing without a satellite feed.',
    },
  ],
  onlineWindowMs: 7 * DAY_MS,
};

export const sensorPmHourly: FeatureView = {
  name: 'sensor_pm_hourly',
  entity: 'sensor',
  description:
    "Particulate readings per sensor and hour (µg/m³), several readings in an hour averaged: the AQI forecaster's input series.",
  features: [
    { name: 'pm25', unit: 'µg/m³', description: 'PM2.5, hourly mean.' },
    { name: 'pm10', unit: 'µg/m³', description: 'PM10, hourly mean.' },
  ],
  onlineWindowMs: 14 * DAY_MS,
};

export const cityWeatherDaily: FeatureView = {
  name: 'city_weather_daily',
  // A weather station or a named place (`seattle`, `new-york`): a sensor site, not a city zone.
  entity: 'sensor',
  description:
    'Daily weather per station or place, the UTC day starting at as_of (NOAA daily summaries): converted to metric whatever the delivery used.',
  features: [
    { name: 'precipitation_mm', unit: 'mm', description: 'Precipitation in the day.' },
    { name: 'temp_max_c', unit: '°C', description: 'Highest temperature of the day.' },
    { name: 'temp_min_c', unit: '°C', description: 'Lowest temperature of the day.' },
    { name: 'wind_ms', unit: 'm/s', description: 'Mean wind speed of the day; missing when not delivered.' },
  ],
  // A month of days: what a daily-weather input to a forecaster looks back over.
  onlineWindowMs: 31 * DAY_MS,
  partition: 'month',
};

export const zoneEnergyHourly: FeatureView = {
  name: 'zone_energy_hourly',
  entity: 'zone',
  description:
    "Electricity load per zone (or grid region) and hour, the hour starting at as_of, from metered half-hourly or hourly readings, with the hour's temperature when delivered. A row whose load is missing is an hour the meter reported nothing for (completeness 0).",
  features: [
    { name: 'load_kw', unit: 'kW', description: "Mean load over the hour's intervals that were metered." },
    {
      name: 'energy_kwh',
      unit: 'kWh',
      description: 'Energy metered in the hour: lower than load_kw when an interval is missing.',
    },
    {
      name: 'completeness',
      unit: '1',
      description: "Share of the hour's metering intervals that were delivered.",
    },
    {
      name: 'temp_c',
      unit: '°C',
      description:
        'Air temperature over the zone in the hour, when the delivery carries one (the energy forecaster reads it): missing otherwise.',
    },
  ],
  // The zone forecaster reads 168 hours back from its anchor; two weeks leaves it a week of slack.
  onlineWindowMs: 14 * DAY_MS,
};

export const zoneOutagesDaily: FeatureView = {
  name: 'zone_outages_daily',
  entity: 'zone',
  description:
    "Power and water outages per zone and UTC day starting at as_of, from the utilities' outage logs: zero on a logged day without one.",
  features: [
    { name: 'power_outages', unit: '1', description: 'Power outages that started in the day.' },
    {
      name: 'power_minutes',
      unit: 'min',
      description: 'Minutes of the day with a power outage (overlaps counted once).',
    },
    {
      name: 'power_customer_minutes',
      unit: 'min',
      description: 'Customers affected × minutes, within the day (SAIDI numerator).',
    },
    { name: 'water_outages', unit: '1', description: 'Water outages that started in the day.' },
    {
      name: 'water_minutes',
      unit: 'min',
      description: 'Minutes of the day with a water outage (overlaps counted once).',
    },
    {
      name: 'water_customer_minutes',
      unit: 'min',
      description: 'Customers affected × minutes, within the day.',
    },
  ],
  onlineWindowMs: 31 * DAY_MS,
  partition: 'month',
};

export const zoneFloodObservations: FeatureView = {
  name: 'zone_flood_observations',
  entity: 'zone',
  description:
    "Observed flooding per zone in the hour ENDING at as_of (labels for the flood model: as_of matches zone_flood_features'), from field observations and citizen flooding reports.",
  features: [
    {
      name: 'flooded',
      unit: '1',
      description: '1 when an observation saw flooding or a citizen reported it in the hour, else 0.',
    },
    { name: 'n_reports', unit: '1', description: 'Citizen reports of flooding in the hour.' },
    {
      name: 'n_observations',
      unit: '1',
      description: 'Field observations in the hour (0: the label rests on reports alone).',
    },
    {
      name: 'max_depth_cm',
      unit: 'cm',
      description: 'Deepest water measured in the hour; missing when none was measured.',
    },
  ],
  onlineWindowMs: 7 * DAY_MS,
};

export const featureViews: readonly FeatureView[] = [
  zoneRainHourly,
  zoneFloodFeatures,
  sensorPmHourly,
  cityWeatherDaily,
  zoneEnergyHourly,
  zoneOutagesDaily,
  zoneFloodObservations,
];

export function featureViewOf(name: string): FeatureView {
  const view = featureViews.find((v) => v.name === name);
  if (!view) {
    throw new Error(`no feature view ${name}; there are ${featureViews.map((v) => v.name).join(', ')}`);
  }
  return view;
}
