# Export AirBase rural background PM10, Germany 2005 (gstat's DE_RB_2005) to OpenAQ-style long CSV.
#
#   Rscript training/cityassist_training/aqi/export_airbase.R \
#       /usr/lib/R/site-library/gstat/data/DE_RB_2005.rda data/airquality
#
# Needs R with the Debian packages r-cran-gstat (the data), r-cran-spacetime and r-cran-sp (the
# STSDF class the object is stored as) and r-cran-sf (coordinates UTM 32N -> WGS 84).
#
# Writes:
#   de_rb_2005_pm10.csv      location_id,datetime,parameter,value,unit   one row per observed day
#   de_rb_2005_stations.csv  one row per station, coordinates in WGS 84 and in the source's UTM 32N
#
# Decisions (also in data/airquality/SOURCE.md):
#  - The object is an STSDF: only observed station-days are stored (23,230 of 69 x 365). Missing
#    days are simply absent from the long CSV, exactly as an OpenAQ export would have them.
#  - Each value is the daily mean for the interval [time, endTime) which starts at 00:00 GMT; the
#    datetime column is that start, written as ISO 8601 UTC ("2005-01-01T00:00:00Z").
#  - Values are written as stored (full double precision, no rounding), including the 0 values
#    the source holds; the column logPM10 is dropped because it is log(PM10) and carries nothing new.

suppressPackageStartupMessages({
  library(sp)
  library(spacetime)
  library(sf)
})

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: export_airbase.R <DE_RB_2005.rda> <output dir>")
rda <- args[[1]]
out <- args[[2]]
dir.create(out, showWarnings = FALSE, recursive = TRUE)

env <- new.env()
load(rda, envir = env)
x <- env$DE_RB_2005
stopifnot(is(x, "STSDF"))

# STSDF: x@index is an (n x 2) matrix of (space index, time index) for each row of x@data.
# The station id is the AirBase code (station_european_code). The sp row names are the same codes
# except one, "DEUB004.1" (a make.unique() artefact from the full AirBase table); it is kept in
# the stations file as source_row_name so the two can be matched.
station_ids <- as.character(x@sp@data$station_european_code)
stopifnot(!anyDuplicated(station_ids))
times <- index(x@time)
stopifnot(attr(times, "tzone") %in% c("GMT", "UTC"))

long <- data.frame(
  location_id = station_ids[x@index[, 1]],
  datetime = format(times[x@index[, 2]], "%Y-%m-%dT%H:%M:%SZ", tz = "UTC"),
  parameter = "pm10",
  value = x@data$PM10,
  unit = "\u00b5g/m\u00b3",
  stringsAsFactors = FALSE
)
long <- long[order(long$location_id, long$datetime), ]
# 15 significant digits round-trip every stored double exactly enough for µg/m³ and keep the file stable.
long$value <- formatC(long$value, digits = 15, format = "g", flag = "")
long$value <- trimws(long$value)
write.csv(long, file.path(out, "de_rb_2005_pm10.csv"), row.names = FALSE, quote = FALSE, fileEncoding = "UTF-8")

pts <- st_as_sf(data.frame(id = station_ids, x = x@sp@coords[, 1], y = x@sp@coords[, 2]),
                coords = c("x", "y"), crs = 32632)
ll <- st_coordinates(st_transform(pts, 4326))
d <- x@sp@data
stations <- data.frame(
  location_id = station_ids,
  source_row_name = rownames(x@sp@coords),
  lon = round(ll[, 1], 6),
  lat = round(ll[, 2], 6),
  utm32n_x = x@sp@coords[, 1],
  utm32n_y = x@sp@coords[, 2],
  altitude_m = d$station_altitude,
  country = as.character(d$country_iso_code),
  type_of_station = as.character(d$type_of_station),
  type_of_area = as.character(d$station_type_of_area),
  street_type = as.character(d$street_type),
  station_start_date = as.character(d$station_start_date),
  station_end_date = as.character(d$station_end_date),
  annual_mean_pm10 = d$annual_mean_PM10,
  n_days_observed = as.integer(table(factor(x@index[, 1], levels = seq_along(station_ids)))),
  stringsAsFactors = FALSE
)
write.csv(stations, file.path(out, "de_rb_2005_stations.csv"), row.names = FALSE, fileEncoding = "UTF-8")

cat(sprintf("wrote %d rows for %d stations, %s .. %s\n", nrow(long), length(station_ids),
            format(min(times), tz = "UTC"), format(max(times), tz = "UTC")))
