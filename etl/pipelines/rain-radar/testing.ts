/**
 * Test helpers: a minimal NetCDF-3 classic writer (netcdfjs only reads) and a builder for tiny
 * hourly rain grids, so each failure case is a few lines of the test that proves it.
 *
 * Format: https://docs.unidata.ucar.edu/netcdf-c/current/file_format_specifications.html
 */
export type NcType = 'byte' | 'char' | 'short' | 'int' | 'float' | 'double';

export type NcAttrValue = string | number | number[] | { type: NcType; value: number | number[] };

export interface NcVar {
  name: string;
  dims: string[];
  type: NcType;
  attrs?: Record<string, NcAttrValue | undefined>;
  data: ArrayLike<number> | string;
}

export interface NcSpec {
  /** Size 0 marks the one unlimited (record) dimension. */
  dims: { name: string; size: number }[];
  attrs?: Record<string, NcAttrValue>;
  vars: NcVar[];
  /** Records, when a dimension is unlimited. */
  numrecs?: number;
}

const TYPE_CODE: Record<NcType, number> = { byte: 1, char: 2, short: 3, int: 4, float: 5, double: 6 };
const TYPE_SIZE: Record<NcType, number> = { byte: 1, char: 1, short: 2, int: 4, float: 4, double: 8 };
// Attributes that CF requires to have the variable's own type.
const TYPED_LIKE_VARIABLE = new Set(['_FillValue', 'missing_value', 'valid_min', 'valid_max', 'valid_range']);

class Bytes {
  private readonly parts: number[] = [];
  get length(): number {
    return this.parts.length;
  }
  u32(n: number): void {
    this.parts.push((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
  }
  pad(): void {
    while (this.parts.length % 4) this.parts.push(0);
  }
  name(s: string): void {
    this.u32(s.length);
    for (const ch of s) this.parts.push(ch.charCodeAt(0));
    this.pad();
  }
  values(type: NcType, data: ArrayLike<number> | string): void {
    if (typeof data === 'string') {
      for (const ch of data) this.parts.push(ch.charCodeAt(0));
      return;
    }
    const size = TYPE_SIZE[type];
    const dv = new DataView(new ArrayBuffer(size * data.length));
    for (let i = 0; i < data.length; i++) {
      const x = data[i]!;
      if (type === 'byte') dv.setInt8(i, x);
      else if (type === 'short') dv.setInt16(2 * i, x);
      else if (type === 'int') dv.setInt32(4 * i, x);
      else if (type === 'float') dv.setFloat32(4 * i, x);
      else dv.setFloat64(8 * i, x);
    }
    for (const b of new Uint8Array(dv.buffer)) this.parts.push(b);
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

function attrList(
  out: Bytes,
  attrs: Record<string, NcAttrValue | undefined> | undefined,
  varType?: NcType,
): void {
  const entries = Object.entries(attrs ?? {}).filter((e): e is [string, NcAttrValue] => e[1] !== undefined);
  if (entries.length === 0) return void (out.u32(0), out.u32(0));
  out.u32(12);
  out.u32(entries.length);
  for (const [name, raw] of entries) {
    const typed =
      typeof raw === 'object' && !Array.isArray(raw)
        ? raw
        : typeof raw === 'string'
          ? { type: 'char' as const, value: raw }
          : { type: TYPED_LIKE_VARIABLE.has(name) && varType ? varType : ('double' as const), value: raw };
    const value = typeof typed.value === 'string' ? typed.value : ([] as number[]).concat(typed.value);
    out.name(name);
    out.u32(TYPE_CODE[typed.type]);
    out.u32(value.length);
    out.values(typed.type, value);
    out.pad();
  }
}

/** The file's bytes. Data are given in row-major order over each variable's dimensions. */
export function writeNetcdf(spec: NcSpec): Uint8Array {
  const dimIndex = new Map(spec.dims.map((d, i) => [d.name, i]));
  const numrecs = spec.numrecs ?? 0;
  const isRecord = (v: NcVar): boolean => spec.dims[dimIndex.get(v.dims[0] ?? '') ?? -1]?.size === 0;
  const elemsPerRecord = (v: NcVar): number =>
    v.dims.slice(isRecord(v) ? 1 : 0).reduce((p, d) => p * spec.dims[dimIndex.get(d)!]!.size, 1);
  const vsize = (v: NcVar): number => Math.ceil((elemsPerRecord(v) * TYPE_SIZE[v.type]) / 4) * 4;

  // The header's length does not depend on the offsets it holds, so write it once to measure it.
  const header = (offsets: number[]): Bytes => {
    const out = new Bytes();
    out.values('char', 'CDF\x01');
    out.u32(numrecs);
    out.u32(spec.dims.length ? 10 : 0);
    out.u32(spec.dims.length);
    for (const d of spec.dims) {
      out.name(d.name);
      out.u32(d.size);
    }
    attrList(out, spec.attrs);
    out.u32(spec.vars.length ? 11 : 0);
    out.u32(spec.vars.length);
    spec.vars.forEach((v, i) => {
      out.name(v.name);
      out.u32(v.dims.length);
      for (const d of v.dims) out.u32(dimIndex.get(d)!);
      attrList(out, v.attrs, v.type);
      out.u32(TYPE_CODE[v.type]);
      out.u32(vsize(v));
      out.u32(offsets[i] ?? 0);
    });
    return out;
  };
  let at = header([]).length;
  const offsets: number[] = [];
  for (const v of spec.vars.filter((x) => !isRecord(x))) {
    offsets[spec.vars.indexOf(v)] = at;
    at += vsize(v);
  }
  const records = spec.vars.filter(isRecord);
  for (const v of records) {
    offsets[spec.vars.indexOf(v)] = at;
    at += vsize(v);
  }
  const out = header(offsets);
  const slice = (v: NcVar, from: number, n: number): ArrayLike<number> | string =>
    typeof v.data === 'string' ? v.data.slice(from, from + n) : Array.from(v.data).slice(from, from + n);
  for (const v of spec.vars.filter((x) => !isRecord(x))) {
    out.values(v.type, slice(v, 0, elemsPerRecord(v)));
    out.pad();
  }
  for (let r = 0; r < numrecs; r++) {
    for (const v of records) {
      out.values(v.type, slice(v, r * elemsPerRecord(v), elemsPerRecord(v)));
      out.pad();
    }
  }
  return out.bytes();
}

export interface TinyGridSpec {
  /** Cell-centre latitudes and longitudes of a regular grid. */
  lat: number[];
  lon: number[];
  /** Hours since 2015-03-14 00:00 UTC, each the end of its hour. Default 1, 2, ... one per field. */
  hours?: number[];
  /** Rain per hour as [hour][row][col]; NaN is written as the fill value. */
  fields: number[][][];
  name?: string;
  units?: string;
  timeUnits?: string;
  fill?: number;
  /** Extra attributes for the precipitation variable; `undefined` removes one. */
  attrs?: Record<string, NcAttrValue | undefined>;
  /** Make time the unlimited (record) dimension. Default false. */
  unlimited?: boolean;
}

/** A CF file on a regular lat/lon grid, as Stage IV-like as a test needs. */
export function tinyGrid(spec: TinyGridSpec): Uint8Array {
  const fill = spec.fill ?? -9999;
  const hours = spec.hours ?? spec.fields.map((_, i) => i + 1);
  const values = spec.fields.flat(2).map((x) => (Number.isNaN(x) ? fill : x));
  return writeNetcdf({
    dims: [
      { name: 'time', size: spec.unlimited ? 0 : hours.length },
      { name: 'lat', size: spec.lat.length },
      { name: 'lon', size: spec.lon.length },
    ],
    numrecs: spec.unlimited ? hours.length : 0,
    attrs: { Conventions: 'CF-1.8' },
    vars: [
      {
        name: 'time',
        dims: ['time'],
        type: 'double',
        attrs: { units: spec.timeUnits ?? 'hours since 2015-03-14 00:00:00', standard_name: 'time' },
        data: hours,
      },
      { name: 'lat', dims: ['lat'], type: 'double', attrs: { units: 'degrees_north' }, data: spec.lat },
      { name: 'lon', dims: ['lon'], type: 'double', attrs: { units: 'degrees_east' }, data: spec.lon },
      {
        name: spec.name ?? 'Total_precipitation_surface_1_Hour_Accumulation',
        dims: ['time', 'lat', 'lon'],
        type: 'float',
        attrs: { units: spec.units ?? 'kg m-2', _FillValue: fill, ...spec.attrs },
        data: values,
      },
    ],
  });
}
