/**
 * Reads the parts of an ONNX `ModelProto` that a tree ensemble needs, with protobufjs and a subset of
 * the public `onnx.proto` schema written out below. Fields not listed are skipped by the decoder
 * (protobuf wire format carries their lengths), so a model with functions, training info or large
 * initializers still decodes. Field numbers are those of onnx.proto (IR version 8, onnx 1.12+).
 */
import protobuf from 'protobufjs';

// proto2, as onnx.proto is: repeated scalars may arrive packed or unpacked, and protobufjs' decoder
// accepts both whatever the declaration says, so `[packed = true]` is only documentation here.
const ONNX_SUBSET = `
syntax = "proto2";
package onnx;

message StringStringEntryProto {
  optional string key = 1;
  optional string value = 2;
}

message OperatorSetIdProto {
  optional string domain = 1;
  optional int64 version = 2;
}

message TensorShapeProto {
  message Dimension {
    optional int64 dim_value = 1;
    optional string dim_param = 2;
  }
  repeated Dimension dim = 1;
}

message TypeProto {
  message Tensor {
    optional int32 elem_type = 1;
    optional TensorShapeProto shape = 2;
  }
  optional Tensor tensor_type = 1;
}

message ValueInfoProto {
  optional string name = 1;
  optional TypeProto type = 2;
}

message TensorProto {
  repeated int64 dims = 1;
  optional int32 data_type = 2;
  repeated float float_data = 4 [packed = true];
  repeated int32 int32_data = 5 [packed = true];
  repeated bytes string_data = 6;
  repeated int64 int64_data = 7 [packed = true];
  optional string name = 8;
  optional bytes raw_data = 9;
  repeated double double_data = 10 [packed = true];
  repeated uint64 uint64_data = 11 [packed = true];
  optional int32 data_location = 14;
}

message AttributeProto {
  optional string name = 1;
  optional float f = 2;
  optional int64 i = 3;
  optional bytes s = 4;
  optional TensorProto t = 5;
  repeated float floats = 7;
  repeated int64 ints = 8;
  repeated bytes strings = 9;
  optional int32 type = 20;
}

message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  optional string name = 3;
  optional string op_type = 4;
  repeated AttributeProto attribute = 5;
  optional string domain = 7;
}

message GraphProto {
  repeated NodeProto node = 1;
  optional string name = 2;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
}

message ModelProto {
  optional int64 ir_version = 1;
  optional string producer_name = 2;
  optional string producer_version = 3;
  optional GraphProto graph = 7;
  repeated OperatorSetIdProto opset_import = 8;
  repeated StringStringEntryProto metadata_props = 14;
}
`;

/** TensorProto.DataType values this package reads (onnx.proto `TensorProto.DataType`). */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
} as const;

/** AttributeProto.AttributeType values (onnx.proto). */
export const AttributeType = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
} as const;

export interface OnnxTensor {
  dims: number[];
  dataType: number;
  floatData: number[];
  int32Data: number[];
  int64Data: number[];
  doubleData: number[];
  uint64Data: number[];
  rawData: Uint8Array | undefined;
  dataLocation: number;
}

export interface OnnxAttribute {
  name: string;
  type: number;
  f: number;
  i: number;
  s: Uint8Array;
  t: OnnxTensor | undefined;
  floats: number[];
  ints: number[];
  strings: Uint8Array[];
}

export interface OnnxNode {
  opType: string;
  domain: string;
  name: string;
  input: string[];
  output: string[];
  attribute: OnnxAttribute[];
}

export interface OnnxValueInfo {
  name: string;
  /** TensorProto.DataType of a tensor input, 0 when not a tensor. */
  elemType: number;
  /** Static dimensions; `undefined` where the dimension is symbolic (e.g. the batch `N`). */
  shape: (number | undefined)[];
}

export interface OnnxModel {
  irVersion: number;
  producerName: string;
  opsets: Map<string, number>;
  nodes: OnnxNode[];
  inputs: OnnxValueInfo[];
  metadata: Map<string, string>;
}

let modelType: protobuf.Type | undefined;
function modelProto(): protobuf.Type {
  modelType ??= protobuf.parse(ONNX_SUBSET, { keepCase: true }).root.lookupType('onnx.ModelProto');
  return modelType;
}

// The decoded message is read through these narrow views; toObject() below has already turned
// int64 into numbers (model ids and counts are far below 2^53) and filled defaults.
type Obj = Record<string, unknown>;
const arr = (o: Obj, k: string): unknown[] => (Array.isArray(o[k]) ? (o[k] as unknown[]) : []);
const num = (o: Obj, k: string): number => (typeof o[k] === 'number' ? o[k] : 0);
const str = (o: Obj, k: string): string => (typeof o[k] === 'string' ? o[k] : '');
const bytes = (v: unknown): Uint8Array => (v instanceof Uint8Array ? v : new Uint8Array(0));
const obj = (v: unknown): Obj | undefined => (v && typeof v === 'object' ? (v as Obj) : undefined);

function toTensor(o: Obj): OnnxTensor {
  return {
    dims: arr(o, 'dims').map(Number),
    dataType: num(o, 'data_type'),
    floatData: arr(o, 'float_data').map(Number),
    int32Data: arr(o, 'int32_data').map(Number),
    int64Data: arr(o, 'int64_data').map(Number),
    doubleData: arr(o, 'double_data').map(Number),
    uint64Data: arr(o, 'uint64_data').map(Number),
    rawData: o['raw_data'] instanceof Uint8Array && o['raw_data'].length > 0 ? o['raw_data'] : undefined,
    dataLocation: num(o, 'data_location'),
  };
}

function toAttribute(o: Obj): OnnxAttribute {
  const t = obj(o['t']);
  return {
    name: str(o, 'name'),
    type: num(o, 'type'),
    f: num(o, 'f'),
    i: num(o, 'i'),
    s: bytes(o['s']),
    t: t ? toTensor(t) : undefined,
    floats: arr(o, 'floats').map(Number),
    ints: arr(o, 'ints').map(Number),
    strings: arr(o, 'strings').map(bytes),
  };
}

function toValueInfo(o: Obj): OnnxValueInfo {
  const tensor = obj(obj(o['type'])?.['tensor_type']);
  const dims = tensor ? arr(obj(tensor['shape']) ?? {}, 'dim') : [];
  return {
    name: str(o, 'name'),
    elemType: tensor ? num(tensor, 'elem_type') : 0,
    shape: dims.map((d) => {
      const dim = obj(d) ?? {};
      return typeof dim['dim_value'] === 'number' && !dim['dim_param'] ? dim['dim_value'] : undefined;
    }),
  };
}

/**
 * Encodes a ModelProto given as a plain object with onnx.proto's field names (snake_case). Used by
 * the tests to build small hand-made models; only the fields of the subset above are written.
 */
export function encodeOnnxModel(model: Record<string, unknown>): Uint8Array {
  const type = modelProto();
  const problem = type.verify(model);
  if (problem) throw new Error(`invalid ModelProto: ${problem}`);
  return type.encode(type.fromObject(model)).finish();
}

/** Decodes an ONNX file's bytes. Throws with a readable message when the bytes are not a ModelProto. */
export function readOnnxModel(data: Uint8Array): OnnxModel {
  const type = modelProto();
  let decoded: Obj;
  try {
    decoded = type.toObject(type.decode(data), { longs: Number, arrays: true, defaults: false });
  } catch (err) {
    throw new Error(`not an ONNX model (protobuf decode failed: ${(err as Error).message})`, { cause: err });
  }
  const graph = obj(decoded['graph']);
  if (!graph) throw new Error('not an ONNX model: no graph');
  const opsets = new Map<string, number>();
  for (const o of arr(decoded, 'opset_import')) {
    const op = obj(o) ?? {};
    opsets.set(str(op, 'domain'), num(op, 'version'));
  }
  const metadata = new Map<string, string>();
  for (const e of arr(decoded, 'metadata_props')) {
    const entry = obj(e) ?? {};
    metadata.set(str(entry, 'key'), str(entry, 'value'));
  }
  return {
    irVersion: num(decoded, 'ir_version'),
    producerName: str(decoded, 'producer_name'),
    opsets,
    metadata,
    inputs: arr(graph, 'input').map((v) => toValueInfo(obj(v) ?? {})),
    nodes: arr(graph, 'node').map((n) => {
      const node = obj(n) ?? {};
      return {
        opType: str(node, 'op_type'),
        domain: str(node, 'domain'),
        name: str(node, 'name'),
        input: arr(node, 'input').map(String),
        output: arr(node, 'output').map(String),
        attribute: arr(node, 'attribute').map((a) => toAttribute(obj(a) ?? {})),
      };
    }),
  };
}

/** A tensor's elements as numbers, from whichever typed field or raw_data (little-endian) holds them. */
export function tensorValues(t: OnnxTensor, what: string): number[] {
  if (t.dataLocation === 1) throw new Error(`${what}: tensors in external data files are not supported`);
  const n = t.dims.reduce((a, b) => a * b, 1);
  const raw = t.rawData;
  if (raw) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const read = rawReader(t.dataType, what);
    const size = read.size;
    if (raw.byteLength !== n * size) {
      throw new Error(`${what}: raw_data has ${raw.byteLength} bytes for ${n} elements of ${size} bytes`);
    }
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = read.at(view, i * size);
    return out;
  }
  switch (t.dataType) {
    case DataType.FLOAT:
      return t.floatData;
    case DataType.DOUBLE:
      return t.doubleData;
    case DataType.INT64:
      return t.int64Data;
    case DataType.UINT32:
    case DataType.UINT64:
      return t.uint64Data;
    case DataType.UINT8:
    case DataType.INT8:
    case DataType.UINT16:
    case DataType.INT16:
    case DataType.INT32:
    case DataType.BOOL:
      // onnx.proto: int32_data also holds the small integer types and bool.
      return t.int32Data;
    default:
      throw new Error(`${what}: unsupported tensor data type ${t.dataType}`);
  }
}

function rawReader(dataType: number, what: string): { size: number; at: (v: DataView, o: number) => number } {
  switch (dataType) {
    case DataType.FLOAT:
      return { size: 4, at: (v, o) => v.getFloat32(o, true) };
    case DataType.DOUBLE:
      return { size: 8, at: (v, o) => v.getFloat64(o, true) };
    case DataType.UINT8:
    case DataType.BOOL:
      return { size: 1, at: (v, o) => v.getUint8(o) };
    case DataType.INT8:
      return { size: 1, at: (v, o) => v.getInt8(o) };
    case DataType.INT32:
      return { size: 4, at: (v, o) => v.getInt32(o, true) };
    case DataType.INT64:
      return { size: 8, at: (v, o) => Number(v.getBigInt64(o, true)) };
    default:
      throw new Error(`${what}: unsupported raw tensor data type ${dataType}`);
  }
}
