/**
 * A small ONNX ModelProto encoder (protobuf wire format by hand): enough to build the graphs Pagewise
 * generates itself, with no protobuf dependency.
 */

export const DataType = { FLOAT: 1, UINT8: 2, INT32: 6, INT64: 7, BOOL: 9 } as const;
type DataTypeCode = (typeof DataType)[keyof typeof DataType];

class Writer {
  private chunks: number[] = [];
  varint(value: number | bigint) {
    let v = BigInt.asUintN(64, BigInt(value));
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v) byte |= 0x80;
      this.chunks.push(byte);
    } while (v);
  }
  tag(field: number, wire: 0 | 1 | 2 | 5) {
    this.varint((field << 3) | wire);
  }
  int(field: number, value: number | bigint) {
    this.tag(field, 0);
    this.varint(value);
  }
  float(field: number, value: number) {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.chunks.push(...b);
  }
  bytes(field: number, value: Uint8Array) {
    this.tag(field, 2);
    this.varint(value.length);
    for (const byte of value) this.chunks.push(byte);
  }
  string(field: number, value: string) {
    this.bytes(field, new TextEncoder().encode(value));
  }
  message(field: number, build: (w: Writer) => void) {
    const inner = new Writer();
    build(inner);
    this.bytes(field, inner.finish());
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}

export type Attr = number | number[] | string | { floats: number[] } | { float: number } | TensorSpec;
export type TensorSpec = { dataType: DataTypeCode; dims: number[]; values: number[] | bigint[] };
export type NodeSpec = { op: string; inputs: string[]; outputs: string[]; attrs?: Record<string, Attr> };
export type ValueSpec = { name: string; dataType: DataTypeCode; shape: (number | string)[] };

function rawData(t: TensorSpec): Uint8Array {
  const n = t.values.length;
  switch (t.dataType) {
    case DataType.FLOAT:
      return new Uint8Array(Float32Array.from(t.values as number[]).buffer);
    case DataType.INT64:
      return new Uint8Array(BigInt64Array.from((t.values as (number | bigint)[]).map((v) => BigInt(v))).buffer);
    case DataType.INT32:
      return new Uint8Array(Int32Array.from(t.values as number[]).buffer);
    case DataType.UINT8:
    case DataType.BOOL:
      return Uint8Array.from(t.values as number[]);
    default:
      throw new Error(`unsupported data type ${t.dataType as number} (${n} values)`);
  }
}

function writeTensor(w: Writer, name: string, t: TensorSpec) {
  for (const d of t.dims) w.int(1, d);
  w.int(2, t.dataType);
  w.string(8, name);
  w.bytes(9, rawData(t));
}

function writeAttr(w: Writer, name: string, value: Attr) {
  w.string(1, name);
  if (typeof value === "number") {
    w.int(3, value);
    w.int(20, 2);
  } else if (typeof value === "string") {
    w.string(4, value);
    w.int(20, 3);
  } else if (Array.isArray(value)) {
    for (const v of value) w.int(8, v);
    w.int(20, 7);
  } else if ("floats" in value) {
    for (const v of value.floats) w.float(7, v);
    w.int(20, 6);
  } else if ("float" in value) {
    w.float(2, value.float);
    w.int(20, 1);
  } else {
    w.message(5, (t) => writeTensor(t, "", value));
    w.int(20, 4);
  }
}

function writeValueInfo(w: Writer, v: ValueSpec) {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.dataType);
      tensor.message(2, (shape) => {
        for (const d of v.shape) shape.message(1, (dim) => (typeof d === "number" ? dim.int(1, d) : dim.string(2, d)));
      });
    }),
  );
}

export function encodeModel(model: {
  name: string;
  producer: string;
  opset: number;
  nodes: NodeSpec[];
  initializers: Record<string, TensorSpec>;
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  docString?: string;
}): Uint8Array {
  const w = new Writer();
  w.int(1, 8); // IR version 8
  w.string(2, model.producer);
  w.message(8, (op) => {
    op.string(1, "");
    op.int(2, model.opset);
  });
  if (model.docString) w.string(6, model.docString);
  w.message(7, (g) => {
    model.nodes.forEach((node, i) =>
      g.message(1, (n) => {
        for (const input of node.inputs) n.string(1, input);
        for (const output of node.outputs) n.string(2, output);
        n.string(3, `${node.op}_${i}`);
        n.string(4, node.op);
        for (const [name, value] of Object.entries(node.attrs ?? {})) n.message(5, (a) => writeAttr(a, name, value));
      }),
    );
    g.string(2, model.name);
    for (const [name, t] of Object.entries(model.initializers)) g.message(5, (tw) => writeTensor(tw, name, t));
    for (const v of model.inputs) g.message(11, (vw) => writeValueInfo(vw, v));
    for (const v of model.outputs) g.message(12, (vw) => writeValueInfo(vw, v));
  });
  return w.finish();
}

/** Builds a node list with generated intermediate names: `g.op("Add", [a, b])` returns the output name. */
export class GraphBuilder {
  readonly nodes: NodeSpec[] = [];
  readonly initializers: Record<string, TensorSpec> = {};
  private counter = 0;

  op(op: string, inputs: string[], attrs?: Record<string, Attr>, outputCount = 1): string {
    return this.opN(op, inputs, attrs, outputCount)[0]!;
  }
  opN(op: string, inputs: string[], attrs?: Record<string, Attr>, outputCount = 1): string[] {
    const outputs = Array.from({ length: outputCount }, () => `${op.toLowerCase()}_${this.counter++}`);
    this.nodes.push({ op, inputs, outputs, attrs });
    return outputs;
  }
  /** Renames the output of the last node (for graph outputs). */
  name(output: string, as: string): string {
    for (const node of this.nodes) {
      node.outputs = node.outputs.map((o) => (o === output ? as : o));
      node.inputs = node.inputs.map((i) => (i === output ? as : i));
    }
    return as;
  }
  const(values: number[], dataType: DataTypeCode = DataType.INT64, dims: number[] = [values.length]): string {
    const name = `const_${this.counter++}`;
    this.initializers[name] = { dataType, dims, values };
    return name;
  }
  scalar(value: number, dataType: DataTypeCode = DataType.FLOAT): string {
    return this.const([value], dataType, []);
  }
}
