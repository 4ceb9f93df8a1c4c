/**
 * Reads a gridded hourly precipitation NetCDF-3 file (NOAA Stage IV, or any CF grid with 1-D or 2-D
 * latitude/longitude) into one in-memory grid of hourly rain in mm.
 *
 * Everything is checked before anything is returned: a file that fails any check throws a
 * `RadarError` and yields no grid at all, so a pipeline can never load part of a bad file.
 */
import { NetCDFReader, type Variable } from 'netcdfjs';
import { RadarError } from './errors.ts';

/** The variable name in NCEP/USGS Stage IV files (THREDDS GRIB naming). */
export const STAGE_IV_VARIABLE = 'Total_precipitation_surface_1_Hour_Accumulation';

export interface ReadRadarOptions {
  /**
   * Name of the precipitation variable. Default: `Total_precipitation_surface_1_Hour_Accumulation`
   * when present, else the one variable whose CF `standard_name` is a precipitation amount, else
   * the one gridded variable in mm or kg m-2. Two or more candidates are refused as ambiguous.
   */
  variable?: string;
  /**
   * Which end of each accumulation interval the time coordinate marks when the file has no time
   * bounds. Default `'end'`: GRIB-derived products (Stage IV, MRMS) stamp an accumulation with its
   * valid time, the end of the hour, and netCDF-Java keeps that when it drops `time_bounds` (as the
   * committed Stage IV file's history shows it did).
   */
  timeMarks?: 'start' | 'end';
}

export interface RadarGrid {
  /** Where the bytes came from; every message names it. */
  source: string;
  /** The precipitation variable that was read. */
  variable: string;
  /** Its units as written in the file (mm and kg m-2 are both read as mm of water). */
  units: string;
  /** Start of each hourly accumulation, UTC, on whole hours, strictly increasing. */
  times: Date[];
  ny: number;
  nx: number;
  /** Cell-centre latitude and longitude (degrees), row-major `[row * nx + col]`. */
  lat: Float64Array;
  lon: Float64Array;
  /** `rectilinear` when latitude and longitude are 1-D axes, `curvilinear` when they are 2-D fields. */
  geometry: 'rectilinear' | 'curvilinear';
  /** Rain in mm per hour, `[t * ny * nx + row * nx + col]`; NaN where missing. */
  values: Float32Array;
  /** How many values are missing (fill value, missing_value, outside the valid range, NaN or negative). */
  missingCount: number;
}

const HOUR_MS = 3_600_000;

/** CF standard names that are a depth of precipitation accumulated over the cell's time interval. */
const PRECIPITATION_STANDARD_NAMES = new Set([
  'precipitation_amount',
  'lwe_thickness_of_precipitation_amount',
  'rainfall_amount',
  'thickness_of_rainfall_amount',
]);

const NUMERIC_TYPES = new Set(['byte', 'short', 'int', 'float', 'double']);

// The netCDF library's default fill values (netcdf.h), which apply when a variable has no _FillValue.
const DEFAULT_FILL: Record<string, number> = {
  byte: -127,
  short: -32767,
  int: -2147483647,
  float: Math.fround(9.969209968386869e36),
  double: 9.969209968386869e36,
};

const TIME_UNIT_MS: Record<string, number> = {
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: HOUR_MS,
  hr: HOUR_MS,
  hrs: HOUR_MS,
  hour: HOUR_MS,
  hours: HOUR_MS,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
};

interface Attr {
  name: string;
  type: string;
  value: unknown;
}

interface Dim {
  id: number;
  name: string;
  size: number;
}

/**
 * Reads the file and returns the whole grid, or throws `RadarError` (see errors.ts for the codes).
 * `source` is only used in messages; pass the file name or object key.
 */
export function readRadar(
  bytes: Uint8Array,
  source = '(radar bytes)',
  options: ReadRadarOptions = {},
): RadarGrid {
  const file = new NcFile(bytes, source);
  const precip = findPrecipitation(file, options.variable);
  const units = checkUnits(file, precip);
  const layout = gridLayout(file, precip);
  const times = readTimes(file, precip, layout, options.timeMarks ?? 'end');
  const geo = readGeolocation(file, precip, layout);

  const raw = file.numbers(precip);
  const { values: unpacked, missing } = unpack(file, precip, raw);
  const { ny, nx } = layout;
  const cells = ny * nx;
  const values = new Float32Array(times.length * cells);
  let missingCount = 0;
  for (let t = 0; t < times.length; t++) {
    for (let r = 0; r < ny; r++) {
      for (let c = 0; c < nx; c++) {
        const i = t * layout.timeStride + r * layout.rowStride + c * layout.colStride;
        // Precipitation can't be negative: a negative number is an undeclared sentinel (-1, -9999).
        const v = missing[i] || unpacked[i]! < 0 ? NaN : unpacked[i]!;
        if (Number.isNaN(v)) missingCount++;
        values[t * cells + r * nx + c] = v;
      }
    }
  }
  return { source, variable: precip.name, units, times, ny, nx, ...geo, values, missingCount };
}

/** The header, validated, plus typed access to attributes and data. */
class NcFile {
  readonly reader: NetCDFReader;
  readonly dims: Dim[];
  readonly numrecs: number;

  constructor(
    readonly bytes: Uint8Array,
    readonly source: string,
  ) {
    if (bytes.length === 0) {
      throw new RadarError('RADAR_NOT_NETCDF', `${source}: the file is empty (0 bytes)`);
    }
    const head = Array.from(bytes.subarray(0, 4));
    if (head[0] === 0x89 && String.fromCharCode(...head.slice(1, 4)) === 'HDF') {
      throw new RadarError(
        'RADAR_NOT_NETCDF',
        `${source}: this is NetCDF-4/HDF5, which this reader does not parse; convert it to NetCDF-3 ` +
          `(nccopy -k classic in.nc out.nc)`,
      );
    }
    if (String.fromCharCode(...head.slice(0, 3)) !== 'CDF') {
      const hex = head.map((b) => b.toString(16).padStart(2, '0')).join(' ');
      throw new RadarError(
        'RADAR_NOT_NETCDF',
        `${source}: not a NetCDF file (${bytes.length} bytes starting ${hex}, not the signature "CDF")`,
      );
    }
    if (head[3] === 5) {
      throw new RadarError(
        'RADAR_NOT_NETCDF',
        `${source}: this is CDF-5 (64-bit data), which this reader does not parse; convert it with nccopy -k classic`,
      );
    }
    try {
      this.reader = new NetCDFReader(bytes);
    } catch (err) {
      // netcdfjs reads past the end with a RangeError and flags bad tags with a TypeError.
      throw new RadarError(
        'RADAR_NOT_NETCDF',
        `${source}: the NetCDF header is unreadable (${bytes.length} bytes; ${(err as Error).message}); ` +
          `the file is truncated or corrupt`,
        { cause: err },
      );
    }
    const header = this.reader.header;
    this.numrecs = header.recordDimension.length;
    this.dims = (header.dimensions ?? []).map((d, id) => ({
      id,
      name: d.name,
      size: id === header.recordDimension.id ? this.numrecs : d.size,
    }));
    if (this.numrecs === 0xffffffff) {
      throw new RadarError(
        'RADAR_NOT_NETCDF',
        `${source}: the record count is STREAMING (the file was not closed properly)`,
      );
    }
    this.checkExtents();
  }

  get variables(): Variable[] {
    return this.reader.variables ?? [];
  }

  variable(name: string): Variable | undefined {
    return this.variables.find((v) => v.name === name);
  }

  dimsOf(v: Variable): Dim[] {
    return v.dimensions.map((id) => this.dims[id]!);
  }

  /** Every variable's data must lie inside the file, so a cut-off download fails here and not mid-read. */
  private checkExtents(): void {
    const recordStep = this.reader.header.recordDimension.recordStep ?? 0;
    for (const v of this.variables) {
      if (v.dimensions.some((id) => this.dims[id] === undefined)) {
        throw new RadarError(
          'RADAR_NOT_NETCDF',
          `${this.source}: variable ${v.name} names a dimension that does not exist`,
        );
      }
      if (v.type === 'undefined') {
        throw new RadarError(
          'RADAR_NOT_NETCDF',
          `${this.source}: variable ${v.name} has an unknown data type`,
        );
      }
      const end = v.record
        ? v.offset + Math.max(0, this.numrecs - 1) * recordStep + v.size
        : v.offset + v.size;
      const needed = v.record && this.numrecs === 0 ? 0 : end;
      if (needed > this.bytes.length) {
        throw new RadarError(
          'RADAR_NOT_NETCDF',
          `${this.source}: the file is truncated: variable ${v.name} needs bytes up to ${needed}, ` +
            `the file has ${this.bytes.length}`,
        );
      }
    }
  }

  attr(v: Variable, name: string): Attr | undefined {
    return (v.attributes as Attr[]).find((a) => a.name === name);
  }

  attrString(v: Variable, name: string): string | undefined {
    const a = this.attr(v, name);
    return typeof a?.value === 'string' ? a.value.trim() : undefined;
  }

  attrNumbers(v: Variable, name: string): number[] | undefined {
    const a = this.attr(v, name);
    if (a === undefined || typeof a.value === 'string') return undefined;
    const values = (Array.isArray(a.value) ? a.value : [a.value]) as number[];
    // netcdfjs reads NC_BYTE unsigned; NetCDF-3 bytes are signed.
    return a.type === 'byte' ? values.map((x) => (x > 127 ? x - 256 : x)) : values;
  }

  /** A numeric variable's values in file order (row-major over its dimensions), as doubles. */
  numbers(v: Variable): Float64Array {
    const dims = this.dimsOf(v);
    const n = dims.reduce((p, d) => p * d.size, 1);
    const perRecord = v.record ? n / Math.max(1, this.numrecs) : n;
    const out = new Float64Array(n);
    let data: unknown[];
    try {
      data = this.reader.getDataVariable(v);
    } catch (err) {
      throw new RadarError(
        'RADAR_NOT_NETCDF',
        `${this.source}: variable ${v.name} is unreadable (${(err as Error).message})`,
        { cause: err },
      );
    }
    let k = 0;
    if (v.record) {
      // netcdfjs returns one item per record; a record may carry padding after its values.
      for (const rec of data) {
        const items = Array.isArray(rec) ? (rec as number[]) : [rec as number];
        for (let j = 0; j < perRecord && k < n; j++) out[k++] = items[j]!;
      }
    } else {
      for (const item of data) {
        if (k >= n) break;
        if (Array.isArray(item)) for (const x of item as number[]) out[k++] = x;
        else out[k++] = item as number;
      }
    }
    if (k < n) {
      throw new RadarError(
        'RADAR_NOT_NETCDF',
        `${this.source}: variable ${v.name} holds ${k} values, its shape says ${n}`,
      );
    }
    if (v.type === 'byte') for (let i = 0; i < n; i++) if (out[i]! > 127) out[i]! -= 256;
    return out;
  }

  describe(v: Variable): string {
    const units = this.attrString(v, 'units');
    return `${v.name}(${this.dimsOf(v)
      .map((d) => d.name)
      .join(', ')})${units ? ` [${units}]` : ''}`;
  }

  listVariables(): string {
    return this.variables.map((v) => this.describe(v)).join(', ') || 'none';
  }
}

function isCoordinateVariable(file: NcFile, v: Variable): boolean {
  const dims = file.dimsOf(v);
  return dims.length === 1 && dims[0]!.name === v.name;
}

function findPrecipitation(file: NcFile, name: string | undefined): Variable {
  const chosen = name !== undefined ? file.variable(name) : pickPrecipitation(file);
  if (name !== undefined && chosen === undefined) {
    throw new RadarError(
      'RADAR_NO_PRECIPITATION',
      `${file.source}: no variable named ${name}; the file has ${file.listVariables()}`,
    );
  }
  if (!chosen) {
    throw new RadarError(
      'RADAR_NO_PRECIPITATION',
      `${file.source}: no precipitation variable (looked for ${STAGE_IV_VARIABLE}, a CF standard_name ` +
        `precipitation_amount or similar, or a grid in mm or kg m-2); the file has ${file.listVariables()}`,
    );
  }
  if (!NUMERIC_TYPES.has(chosen.type) || chosen.dimensions.length < 2) {
    throw new RadarError(
      'RADAR_NO_PRECIPITATION',
      `${file.source}: ${file.describe(chosen)} is ${chosen.type} with ${chosen.dimensions.length} dimension(s), ` +
        `not a numeric grid`,
    );
  }
  return chosen;
}

function pickPrecipitation(file: NcFile): Variable | undefined {
  const stageIv = file.variable(STAGE_IV_VARIABLE);
  if (stageIv) return stageIv;
  const gridded = file.variables.filter(
    (v) => NUMERIC_TYPES.has(v.type) && v.dimensions.length >= 2 && !isCoordinateVariable(file, v),
  );
  const byStandardName = gridded.filter((v) =>
    PRECIPITATION_STANDARD_NAMES.has(file.attrString(v, 'standard_name') ?? ''),
  );
  const candidates =
    byStandardName.length > 0
      ? byStandardName
      : gridded.filter((v) => unitsAccepted(file.attrString(v, 'units')));
  if (candidates.length > 1) {
    throw new RadarError(
      'RADAR_NO_PRECIPITATION',
      `${file.source}: more than one variable could be the precipitation (${candidates
        .map((v) => file.describe(v))
        .join(', ')}); name one with the variable option`,
    );
  }
  return candidates[0];
}

function normaliseUnits(units: string): string {
  return units
    .trim()
    .toLowerCase()
    .replace(/\*\*|\^/g, '')
    .replace(/\s*\/\s*m2$/, ' m-2')
    .replace(/\s*\.\s*|\s+/g, ' ');
}

const ACCEPTED_UNITS = new Set(['mm', 'millimeter', 'millimeters', 'millimetre', 'millimetres', 'kg m-2']);

function unitsAccepted(units: string | undefined): boolean {
  return units !== undefined && ACCEPTED_UNITS.has(normaliseUnits(units));
}

function checkUnits(file: NcFile, v: Variable): string {
  const units = file.attrString(v, 'units');
  if (units === undefined) {
    throw new RadarError(
      'RADAR_UNITS',
      `${file.source}: ${v.name} has no units attribute; expected mm or kg m-2`,
    );
  }
  if (!unitsAccepted(units)) {
    // A rate (mm/h, kg m-2 s-1) is an instant, not the hour's total, so it is refused rather than converted.
    const hint = /\/|-1\b|s-1|h-1/.test(normaliseUnits(units)) ? ' (a rate, not an accumulated depth)' : '';
    throw new RadarError(
      'RADAR_UNITS',
      `${file.source}: ${v.name} is in "${units}"${hint}; only mm or kg m-2 (equal for water) are read`,
    );
  }
  return units;
}

interface Layout {
  timeDim: Dim | undefined;
  /** The time coordinate: 1-D over timeDim, or a scalar when the file holds one field. */
  timeVar: Variable;
  rowDim: Dim;
  colDim: Dim;
  ny: number;
  nx: number;
  timeStride: number;
  rowStride: number;
  colStride: number;
}

function hasTimeUnits(file: NcFile, v: Variable): boolean {
  return /\ssince\s/i.test(file.attrString(v, 'units') ?? '');
}

/** Which of the precipitation's dimensions is time and which two are the grid's rows and columns. */
function gridLayout(file: NcFile, precip: Variable): Layout {
  const dims = file.dimsOf(precip);
  let timeDim: Dim | undefined;
  let timeVar: Variable | undefined;
  for (const d of dims) {
    const onDim = file.variables.filter(
      (v) => v.dimensions.length === 1 && v.dimensions[0] === d.id && hasTimeUnits(file, v),
    );
    const coord = onDim.find((v) => v.name === d.name) ?? onDim[0];
    if (coord) {
      timeDim = d;
      timeVar = coord;
      break;
    }
  }
  if (!timeDim) {
    // One field with a scalar time coordinate (a single-hour file).
    const named = (file.attrString(precip, 'coordinates') ?? '').split(/\s+/).concat('time');
    timeVar = named
      .map((n) => file.variable(n))
      .find((v) => v !== undefined && v.dimensions.length === 0 && hasTimeUnits(file, v));
  }
  if (!timeVar) {
    throw new RadarError(
      'RADAR_TIME_AXIS',
      `${file.source}: ${file.describe(precip)} has no time axis (no dimension with a coordinate variable ` +
        `in "<unit> since <date>" units)`,
    );
  }
  let spatial = dims.filter((d) => d !== timeDim);
  if (spatial.length > 2) spatial = spatial.filter((d) => d.size > 1);
  if (spatial.length !== 2) {
    throw new RadarError(
      'RADAR_NO_PRECIPITATION',
      `${file.source}: ${file.describe(precip)} should have a time axis and two grid dimensions`,
    );
  }
  const strides = new Map<Dim, number>();
  let s = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    strides.set(dims[i]!, s);
    s *= dims[i]!.size;
  }
  const [rowDim, colDim] = spatial as [Dim, Dim];
  return {
    timeDim,
    timeVar,
    rowDim,
    colDim,
    ny: rowDim.size,
    nx: colDim.size,
    timeStride: timeDim ? strides.get(timeDim)! : 0,
    rowStride: strides.get(rowDim)!,
    colStride: strides.get(colDim)!,
  };
}

/** `<unit> since <date>` to the origin (ms since the epoch, UTC) and the unit's length in ms. */
function parseTimeUnits(units: string): { origin: number; unitMs: number } | undefined {
  const m = /^\s*([a-z]+)\s+since\s+(.+?)\s*$/i.exec(units);
  if (!m) return undefined;
  const unitMs = TIME_UNIT_MS[m[1]!.toLowerCase()];
  const d =
    /^(\d{1,4})-(\d{1,2})-(\d{1,2})(?:[T\s]+(\d{1,2}):(\d{1,2})(?::(\d{1,2}(?:\.\d*)?))?)?\s*(?:(Z|UTC|GMT)|([+-]|\s)(\d{1,2})(?::?(\d{2}))?)?$/i.exec(
      m[2]!,
    );
  if (unitMs === undefined || !d) return undefined;
  const [, y, mo, day, h = '0', mi = '0', sec = '0', , sign, tzh = '0', tzm = '0'] = d;
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(day));
  date.setUTCHours(Number(h), Number(mi), 0, Math.round(Number(sec) * 1000));
  const offsetMs = (Number(tzh) * 60 + Number(tzm)) * 60_000 * (sign === '-' ? -1 : 1);
  const origin = date.getTime() - offsetMs;
  return Number.isFinite(origin) ? { origin, unitMs } : undefined;
}

function iso(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString() : String(ms);
}

function readTimes(file: NcFile, precip: Variable, layout: Layout, marks: 'start' | 'end'): Date[] {
  const tv = layout.timeVar;
  const fail = (what: string): never => {
    throw new RadarError('RADAR_TIME_AXIS', `${file.source}: time axis ${tv.name}: ${what}`);
  };
  const units = file.attrString(tv, 'units') ?? '';
  const parsed = parseTimeUnits(units);
  if (!parsed) fail(`units "${units}" are not "<seconds|minutes|hours|days> since <date>"`);
  const { origin, unitMs } = parsed!;
  const calendar = (file.attrString(tv, 'calendar') ?? 'standard').toLowerCase();
  if (!['standard', 'gregorian', 'proleptic_gregorian'].includes(calendar)) {
    fail(`calendar "${calendar}" is not the Gregorian calendar real observations use`);
  }
  const toMs = (x: number): number => Math.round(origin + x * unitMs);
  const raw = Array.from(file.numbers(tv));
  if (raw.length === 0) fail('no time steps');
  const marked = raw.map(toMs);
  marked.forEach((t, k) => {
    if (!Number.isFinite(t)) fail(`step ${k} is ${raw[k]}, not a time`);
    if (k > 0 && t <= marked[k - 1]!) {
      fail(`not strictly increasing: step ${k} is ${iso(t)}, step ${k - 1} is ${iso(marked[k - 1]!)}`);
    }
  });

  let starts: number[];
  const boundsName = file.attrString(tv, 'bounds');
  const bounds = boundsName ? file.variable(boundsName) : undefined;
  if (
    bounds &&
    layout.timeDim &&
    file.dimsOf(bounds).length === 2 &&
    file.dimsOf(bounds)[0] === layout.timeDim
  ) {
    const b = file.numbers(bounds);
    starts = marked.map((_, k) => toMs(b[2 * k]!));
    starts.forEach((s, k) => {
      const end = toMs(b[2 * k + 1]!);
      if (Math.abs(end - s - HOUR_MS) > 1000) {
        fail(`step ${k} accumulates ${iso(s)} to ${iso(end)}, not one hour`);
      }
    });
  } else {
    const interval = /time\s*:\s*sum\s*\(\s*interval\s*:\s*([\d.]+)\s*([a-z]+)\s*\)/i.exec(
      file.attrString(precip, 'cell_methods') ?? '',
    );
    if (interval) {
      const ms = Number(interval[1]) * (TIME_UNIT_MS[interval[2]!.toLowerCase()] ?? NaN);
      if (Math.abs(ms - HOUR_MS) > 1000) {
        fail(`cell_methods says each value sums ${interval[1]} ${interval[2]}, not one hour`);
      }
    } else if (marked.length > 1) {
      let step = Infinity;
      for (let k = 1; k < marked.length; k++) step = Math.min(step, marked[k]! - marked[k - 1]!);
      if (Math.abs(step - HOUR_MS) > 1000) {
        fail(`steps are ${step / HOUR_MS} h apart; hourly accumulations are needed`);
      }
    }
    starts = marks === 'end' ? marked.map((t) => t - HOUR_MS) : marked;
  }
  return starts.map((s, k) => {
    const hour = Math.round(s / HOUR_MS) * HOUR_MS;
    if (Math.abs(s - hour) > 1000) fail(`step ${k} starts at ${iso(s)}, not on a whole hour`);
    return new Date(hour);
  });
}

function isLatitude(file: NcFile, v: Variable): boolean {
  const units = (file.attrString(v, 'units') ?? '').toLowerCase();
  return (
    ['degrees_north', 'degree_north', 'degree_n', 'degrees_n', 'degreen', 'degreesn'].includes(units) ||
    file.attrString(v, 'standard_name') === 'latitude' ||
    file.attrString(v, '_CoordinateAxisType') === 'Lat'
  );
}

function isLongitude(file: NcFile, v: Variable): boolean {
  const units = (file.attrString(v, 'units') ?? '').toLowerCase();
  return (
    ['degrees_east', 'degree_east', 'degree_e', 'degrees_e', 'degreee', 'degreese'].includes(units) ||
    file.attrString(v, 'standard_name') === 'longitude' ||
    file.attrString(v, '_CoordinateAxisType') === 'Lon'
  );
}

function readGeolocation(
  file: NcFile,
  precip: Variable,
  layout: Layout,
): { lat: Float64Array; lon: Float64Array; geometry: RadarGrid['geometry'] } {
  const { rowDim, colDim, ny, nx } = layout;
  const listed = new Set((file.attrString(precip, 'coordinates') ?? '').split(/\s+/));
  const onGrid = (v: Variable): boolean => {
    const ids = v.dimensions;
    return (
      ids.length >= 1 &&
      ids.length <= 2 &&
      new Set(ids).size === ids.length &&
      ids.every((id) => id === rowDim.id || id === colDim.id)
    );
  };
  const pick = (test: (f: NcFile, v: Variable) => boolean): Variable | undefined => {
    const found = file.variables.filter((v) => test(file, v) && NUMERIC_TYPES.has(v.type) && onGrid(v));
    return found.find((v) => listed.has(v.name)) ?? found[0];
  };
  const latVar = pick(isLatitude);
  const lonVar = pick(isLongitude);
  if (!latVar || !lonVar) {
    const mapping = file.attrString(precip, 'grid_mapping');
    const why = mapping
      ? `only projected coordinates with grid_mapping "${mapping}"; add 2-D lat/lon (e.g. with cdo or nco)`
      : `no latitude/longitude over its grid dimensions (${rowDim.name}, ${colDim.name})`;
    throw new RadarError(
      'RADAR_NO_GEOLOCATION',
      `${file.source}: ${precip.name} has ${why}; the file has ${file.listVariables()}`,
    );
  }
  const rectilinear =
    latVar.dimensions.length === 1 &&
    lonVar.dimensions.length === 1 &&
    latVar.dimensions[0] !== lonVar.dimensions[0];
  if (latVar.dimensions.length === 1 && lonVar.dimensions.length === 1 && !rectilinear) {
    throw new RadarError(
      'RADAR_NO_GEOLOCATION',
      `${file.source}: ${latVar.name} and ${lonVar.name} both run along ${file.dimsOf(latVar)[0]!.name}: a list of points, not a grid`,
    );
  }
  const sample = (v: Variable): Float64Array => {
    const { values, missing } = unpack(file, v, file.numbers(v));
    const dims = file.dimsOf(v);
    const strides = dims.map((_, i) => dims.slice(i + 1).reduce((p, d) => p * d.size, 1));
    const out = new Float64Array(ny * nx);
    for (let r = 0; r < ny; r++) {
      for (let c = 0; c < nx; c++) {
        let i = 0;
        dims.forEach((d, k) => (i += (d === rowDim ? r : c) * strides[k]!));
        out[r * nx + c] = missing[i] ? NaN : values[i]!;
      }
    }
    return out;
  };
  const lat = sample(latVar);
  const lon = sample(lonVar);
  const badLat = lat.filter((x) => !(Math.abs(x) <= 90)).length;
  const badLon = lon.filter((x) => !Number.isFinite(x)).length;
  if (badLat + badLon > 0) {
    throw new RadarError(
      'RADAR_NO_GEOLOCATION',
      `${file.source}: ${badLat} cell latitude(s) missing or outside ±90° and ${badLon} longitude(s) missing ` +
        `(${latVar.name}, ${lonVar.name})`,
    );
  }
  return { lat, lon, geometry: rectilinear ? 'rectilinear' : 'curvilinear' };
}

/**
 * CF packing and missing data: `missing[i]` where the stored value is a fill value, missing_value,
 * outside valid_min/valid_max/valid_range (compared before unpacking, as CF says) or NaN;
 * `values` are unpacked with scale_factor and add_offset.
 */
function unpack(file: NcFile, v: Variable, raw: Float64Array): { values: Float64Array; missing: Uint8Array } {
  const nums = (name: string): number[] | undefined => file.attrNumbers(v, name);
  const fill = nums('_FillValue') ?? [DEFAULT_FILL[v.type]!];
  // A float variable whose fill attribute was written as double still matches once rounded to float.
  const sentinels = new Set([...fill, ...(nums('missing_value') ?? [])].flatMap((x) => [x, Math.fround(x)]));
  const range = nums('valid_range');
  const lo = range?.[0] ?? nums('valid_min')?.[0] ?? -Infinity;
  const hi = range?.[1] ?? nums('valid_max')?.[0] ?? Infinity;
  const scale = nums('scale_factor')?.[0] ?? 1;
  const offset = nums('add_offset')?.[0] ?? 0;
  const values = new Float64Array(raw.length);
  const missing = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const x = raw[i]!;
    if (Number.isNaN(x) || sentinels.has(x) || x < lo || x > hi) missing[i] = 1;
    else values[i] = x * scale + offset;
  }
  return { values, missing };
}
