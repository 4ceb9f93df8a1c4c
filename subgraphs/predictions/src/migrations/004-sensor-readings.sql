-- Air-quality sensors and their readings: the AQI forecaster's inputs (docs/aqi-forecast.md).
-- A committed snapshot of simulated readings seeds them; ingestSensorReadings appends to them.
create table feature_store.sensors (
  sensor_id text primary key,
  lat double precision not null check (lat between -90 and 90),
  lon double precision not null check (lon between -180 and 180),
  neighbourhood text not null,
  -- The census tract the sensor stands in, when known.
  zone_id text,
  source text not null,
  loaded_at timestamptz not null default now()
);

-- One reading per sensor, parameter and timestamp as the sensor sent it. Serving snaps readings
-- to the model's hourly grid (nearest slot, several in a slot averaged), as training did.
create table feature_store.sensor_readings (
  sensor_id text not null references feature_store.sensors (sensor_id),
  parameter text not null,
  at timestamptz not null,
  value double precision not null check (value >= 0 and value < 'Infinity'),
  source text not null,
  loaded_at timestamptz not null default now(),
  primary key (sensor_id, parameter, at)
);
-- The forecast anchors on the newest reading of a parameter across all sensors.
create index sensor_readings_parameter_at_idx on feature_store.sensor_readings (parameter, at desc);
