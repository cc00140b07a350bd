/**
 * Reads just enough of an ONNX file's protobuf (the graph's nodes and the names and shapes of its
 * initializers, never their data) to reason about a graph's structure, with no protobuf dependency.
 */

export type OnnxNode = { op: string; inputs: string[]; outputs: string[] };
export type OnnxInitializer = { name: string; dims: number[]; dataType: number };
export type OnnxGraph = { nodes: OnnxNode[]; initializers: OnnxInitializer[] };

export class OnnxParseError extends Error {
  override name = "OnnxParseError";
}

type Field = { field: number; wire: number; value: number; start: number; end: number };

/** Iterates the fields of one protobuf message in bytes[start, end). Length-delimited fields give their range. */
function* fields(bytes: Uint8Array, start: number, end: number): Generator<Field> {
  let pos = start;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (pos >= end) throw new OnnxParseError("truncated varint");
      const byte = bytes[pos++]!;
      // Above 2^53 precision is lost; only lengths and dims (far smaller) are read as numbers.
      result += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (!(byte & 0x80)) return result;
      if (shift > 63) throw new OnnxParseError("varint too long");
    }
  };
  while (pos < end) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (field === 0) throw new OnnxParseError("field number 0");
    if (wire === 0) {
      yield { field, wire, value: varint(), start: pos, end: pos };
    } else if (wire === 2) {
      const length = varint();
      if (pos + length > end) throw new OnnxParseError("length past the end of its message");
      yield { field, wire, value: length, start: pos, end: pos + length };
      pos += length;
    } else if (wire === 1) {
      pos += 8;
    } else if (wire === 5) {
      pos += 4;
    } else {
      throw new OnnxParseError(`unsupported wire type ${wire}`);
    }
    if (pos > end) throw new OnnxParseError("field past the end of its message");
  }
}

const decoder = new TextDecoder();
const text = (bytes: Uint8Array, f: Field) => decoder.decode(bytes.subarray(f.start, f.end));

function readNode(bytes: Uint8Array, start: number, end: number): OnnxNode {
  const node: OnnxNode = { op: "", inputs: [], outputs: [] };
  for (const f of fields(bytes, start, end)) {
    if (f.wire !== 2) continue;
    if (f.field === 1) node.inputs.push(text(bytes, f));
    else if (f.field === 2) node.outputs.push(text(bytes, f));
    else if (f.field === 4) node.op = text(bytes, f);
  }
  return node;
}

function readInitializer(bytes: Uint8Array, start: number, end: number): OnnxInitializer {
  const init: OnnxInitializer = { name: "", dims: [], dataType: 0 };
  for (const f of fields(bytes, start, end)) {
    if (f.field === 1 && f.wire === 0) init.dims.push(f.value);
    else if (f.field === 1 && f.wire === 2) init.dims.push(...packedVarints(bytes, f.start, f.end));
    else if (f.field === 2 && f.wire === 0) init.dataType = f.value;
    else if (f.field === 8 && f.wire === 2) init.name = text(bytes, f);
  }
  return init;
}

function packedVarints(bytes: Uint8Array, start: number, end: number): number[] {
  const out: number[] = [];
  let pos = start;
  while (pos < end) {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[pos++];
      if (byte === undefined || pos > end) throw new OnnxParseError("truncated packed dims");
      result += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (!(byte & 0x80)) break;
    }
    out.push(result);
  }
  return out;
}

/** The graph's nodes and initializer shapes. Throws OnnxParseError when the bytes are not an ONNX ModelProto. */
export function readOnnxGraph(bytes: Uint8Array): OnnxGraph {
  const graph: OnnxGraph = { nodes: [], initializers: [] };
  let found = false;
  for (const f of fields(bytes, 0, bytes.length)) {
    if (f.field !== 7 || f.wire !== 2) continue;
    found = true;
    for (const g of fields(bytes, f.start, f.end)) {
      if (g.wire !== 2) continue;
      if (g.field === 1) graph.nodes.push(readNode(bytes, g.start, g.end));
      else if (g.field === 5) graph.initializers.push(readInitializer(bytes, g.start, g.end));
    }
  }
  if (!found) throw new OnnxParseError("no graph in the file");
  return graph;
}
