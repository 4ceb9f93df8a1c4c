-- Zones are reference data: seeded from a committed extract, read by everyone, written by the seed.
create table zones.zone (
  id text primary key,
  name text not null,
  neighbourhood text not null,
  population integer not null,
  area_km2 double precision not null,
  centroid_lon double precision not null,
  centroid_lat double precision not null,
  elevation_mean double precision not null,
  elevation_min double precision not null,
  elevation_max double precision not null,
  low_lying_share double precision not null,
  geometry jsonb not null,
  -- Bounding box, so point-in-polygon only tests the few polygons that can contain the point.
  min_lon double precision not null,
  min_lat double precision not null,
  max_lon double precision not null,
  max_lat double precision not null
);
create index zone_neighbourhood_idx on zones.zone (neighbourhood, id);
create index zone_bbox_idx on zones.zone (min_lon, max_lon, min_lat, max_lat);

-- Which extract the table holds, so a start re-seeds only when the extract changed.
create table zones.dataset (
  name text primary key,
  sha256 text not null,
  zone_count integer not null,
  loaded_at timestamptz not null default now()
);
