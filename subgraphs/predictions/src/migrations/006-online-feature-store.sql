-- The feature store's online rows now live in feature_store.online_features (packages/feature-store),
-- which the pipelines fill with lineage. Rows pushed before keep their values under a dataset
-- version that says where they came from; the old tables and the snapshot ledger go.
insert into feature_store.online_features (feature_view, entity_id, as_of, features, dataset_version)
select 'zone_flood_features', zone_id, as_of, features, 'migrated:zone_features:' || source
  from feature_store.zone_features
on conflict do nothing;

insert into feature_store.online_features (feature_view, entity_id, as_of, features, dataset_version)
select 'sensor_pm_hourly', sensor_id, hour, jsonb_object_agg(parameter, value), 'migrated:sensor_readings'
  from (
    select sensor_id, parameter, date_trunc('hour', at + interval '30 minutes') as hour, avg(value) as value
      from feature_store.sensor_readings group by 1, 2, 3
  ) r
 group by sensor_id, hour
on conflict do nothing;

drop table feature_store.sensor_readings;
drop table feature_store.zone_features;
