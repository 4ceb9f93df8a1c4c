# Export the half-hourly electricity demand of England and Wales, 5 June - 27 August 2000 (the
# `taylor` series of the R package forecast) to a plain CSV. A one-time preparation step: the CSV is
# committed (data/energy/taylor_demand.csv) and nothing in CI needs R.
#
#   apt-get install -y r-base-core
#   apt-get download r-cran-forecast && dpkg -x r-cran-forecast_*.deb /tmp/forecast
#   Rscript etl/energy/export_taylor.R /tmp/forecast/usr/lib/R/site-library data/energy/taylor_demand.csv
#
# The first argument is the R library folder that holds the package `forecast` (an installed
# r-cran-forecast works too: /usr/lib/R/site-library). Only the package's data are read
# (`data(taylor, package = "forecast")`); the package and its dependencies are never loaded.
#
# Writes one row per half-hour, oldest first:
#   period_start_utc    ISO 8601 UTC, e.g. 2000-06-04T23:00:00Z
#   period_start_local  the same instant on the British clock (BST = UTC+1 all through the period)
#   demand_mw           the value as stored (whole megawatts)
#
# Decisions (also in data/energy/SOURCE.md):
#  - The series is an msts object with frequencies 48 and 336 and no calendar: the package's help
#    page dates it "from Monday 5 June 2000 to Sunday 27 August 2000", which is 84 days = 4,032
#    half-hours exactly, so value i (0-based) is the half-hour starting 00:00 + 30 min x i on
#    5 June 2000, local time. Whether the source labels a half-hour by its start or its end is not
#    documented; we label by the start.
#  - British Summer Time ran from 26 March to 29 October 2000, so every value is on BST (UTC+1)
#    and the UTC grid has no gap or repeated hour.
#  - Values are written unchanged (no rounding, no cleaning); the script stops if any is missing,
#    non-finite or not positive, or if the length is not 4,032.

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: export_taylor.R <R library holding forecast> <output csv>")
lib <- args[[1]]
out <- args[[2]]

env <- new.env()
data("taylor", package = "forecast", lib.loc = lib, envir = env)
x <- env$taylor
stopifnot(inherits(x, "ts"), identical(attr(x, "msts"), c(48, 336)))
v <- as.numeric(x)
if (length(v) != 4032) stop(sprintf("expected 4032 half-hours, found %d", length(v)))
if (any(!is.finite(v)) || any(v <= 0)) stop("missing, non-finite or non-positive values in taylor")

start_local <- as.POSIXct("2000-06-05 00:00:00", tz = "Europe/London")
t <- start_local + (seq_along(v) - 1) * 1800
offset <- as.numeric(difftime(as.POSIXct(format(t, tz = "Europe/London"), tz = "UTC"), t, units = "hours"))
if (any(offset != 1)) stop("expected BST (UTC+1) for every half-hour")
if (format(t[1], "%A", tz = "Europe/London") != "Monday") stop("the series should start on a Monday")

df <- data.frame(
  period_start_utc = format(t, "%Y-%m-%dT%H:%M:%SZ", tz = "UTC"),
  period_start_local = format(t, "%Y-%m-%dT%H:%M:%S+01:00", tz = "Europe/London"),
  demand_mw = format(v, scientific = FALSE, trim = TRUE, drop0trailing = TRUE)
)
dir.create(dirname(out), showWarnings = FALSE, recursive = TRUE)
con <- file(out, open = "wb") # "\n" line ends on every platform
write.csv(df, con, row.names = FALSE, quote = FALSE)
close(con)
cat(sprintf(
  "%s: %d half-hours, %s .. %s, %s .. %s MW\n", out, nrow(df), df$period_start_local[1],
  df$period_start_local[nrow(df)], min(v), max(v)
))
