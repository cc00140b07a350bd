/**
 * Reading, editing and writing ONNX graphs with the generated protobuf types of `onnx-proto`. Only what the
 * quantizer needs: tensors in and out of typed arrays, constants as initializers, an opset bump, and
 * Conv + BatchNormalization folding.
 */
import onnxProto from "onnx-proto";

export const { onnx } = onnxProto;
export type Model = InstanceType<typeof onnx.ModelProto>;
export type Graph = onnxProto.onnx.IGraphProto;
export type Node = onnxProto.onnx.INodeProto;
export type Tensor = onnxProto.onnx.ITensorProto;
export const DT = onnx.TensorProto.DataType;
const AT = onnx.AttributeProto.AttributeType;

type LongLike = number | { toNumber(): number };
export const num = (v: LongLike | null | undefined): number => (v == null ? 0 : typeof v === "number" ? v : v.toNumber());

export function decodeModel(bytes: Uint8Array): Model {
  return onnx.ModelProto.decode(bytes);
}

export function encodeModel(model: Model): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

export const dims = (t: Tensor): number[] => (t.dims ?? []).map(num);

/** A float tensor's values, from raw_data or float_data. */
export function floatValues(t: Tensor): Float32Array {
  if (t.dataType !== DT.FLOAT) throw new Error(`tensor ${t.name}: expected float32, found data type ${t.dataType}`);
  const raw = t.rawData;
  if (raw && raw.length) return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  return Float32Array.from(t.floatData ?? []);
}

function rawOf(values: Float32Array | Int8Array | Uint8Array | Int32Array): Uint8Array {
  return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
}

export function tensor(name: string, dataType: number, shape: number[], values: Float32Array | Int8Array | Uint8Array | Int32Array): Tensor {
  return onnx.TensorProto.create({ name, dataType, dims: shape, rawData: rawOf(values) });
}

/** An int64 tensor: the operands of shape arithmetic (Slice bounds, Reshape targets, Range steps). */
export function int64Tensor(name: string, dims: number[], values: number[]): Tensor {
  return onnx.TensorProto.create({ name, dataType: DT.INT64, dims, int64Data: values });
}

/** ConstantOfShape's `value` attribute: a one-element tensor whose value and type fill the output. */
export function fillAttribute(fill: Tensor): onnxProto.onnx.IAttributeProto {
  return onnx.AttributeProto.create({ name: "value", type: AT.TENSOR, t: fill });
}

/** Whether a ConstantOfShape fills with float zeros (its default without a `value`). */
export function fillsFloatZero(node: Node): boolean {
  const fill = attr(node, "value")?.t;
  return !fill || (fill.dataType === DT.FLOAT && floatValues(fill).every((v) => v === 0));
}

export function attr(node: Node, name: string): onnxProto.onnx.IAttributeProto | undefined {
  return node.attribute?.find((a) => a.name === name);
}

export const intAttr = (node: Node, name: string, fallback: number) => {
  const a = attr(node, name);
  return a ? num(a.i) : fallback;
};

export function makeNode(opType: string, inputs: string[], outputs: string[], name: string, attrs: Record<string, number> = {}): Node {
  return onnx.NodeProto.create({
    opType,
    input: inputs,
    output: outputs,
    name,
    attribute: Object.entries(attrs).map(([key, i]) => onnx.AttributeProto.create({ name: key, type: AT.INT, i })),
  });
}

/** Nodes of the main graph (subgraphs of If/Loop are left alone). */
export const nodesOf = (model: Model): Node[] => model.graph!.node!;

export function initializerMap(model: Model): Map<string, Tensor> {
  return new Map((model.graph!.initializer ?? []).map((t) => [t.name!, t]));
}

export function consumers(model: Model): Map<string, Node[]> {
  const map = new Map<string, Node[]>();
  for (const node of nodesOf(model)) {
    for (const input of node.input ?? []) {
      if (!input) continue;
      const list = map.get(input) ?? [];
      list.push(node);
      map.set(input, list);
    }
  }
  return map;
}

export function producers(model: Model): Map<string, Node> {
  const map = new Map<string, Node>();
  for (const node of nodesOf(model)) for (const output of node.output ?? []) map.set(output, node);
  return map;
}

/** Ops whose semantics changed between opset 11 and 13 (axes became inputs, etc.): a bump is refused when present. */
const CHANGED_BY_13 = new Set(["Split", "Squeeze", "Unsqueeze", "ReduceSum", "Pad", "Softmax", "LogSoftmax", "Hardmax"]);

/**
 * Readies an fp32 graph for quantization: Constant nodes that hold a tensor become initializers (so weights
 * are found in one place), the default opset is raised to 13 (per-channel QuantizeLinear/DequantizeLinear need
 * it) when no op in the graph changed meaning on the way, Identity nodes of a weight give way to the weight, and
 * each BatchNormalization that is the only consumer of a Conv is folded into it.
 */
export function prepareModel(model: Model): { foldedBatchNorms: number; opsetFrom: number } {
  const graph = model.graph!;
  graph.initializer ??= [];
  const kept: Node[] = [];
  for (const node of nodesOf(model)) {
    const value = node.opType === "Constant" ? attr(node, "value") : undefined;
    if (value?.t && node.output?.length === 1) {
      graph.initializer.push(onnx.TensorProto.create({ ...value.t, name: node.output[0] }));
    } else kept.push(node);
  }
  // Identity of a weight (the exporter's way of sharing equal tensors, e.g. two zero biases) hides it from the
  // quantizer, which takes initializers only: readers get the weight itself.
  const initNames = new Set(graph.initializer.map((t) => t.name!));
  const outputs = new Set((graph.output ?? []).map((o) => o.name!));
  const alias = new Map<string, string>();
  graph.node = kept.filter((n) => {
    const from = n.input?.[0];
    if (n.opType !== "Identity" || !from || !initNames.has(from) || outputs.has(n.output![0]!)) return true;
    alias.set(n.output![0]!, from);
    return false;
  });
  const renameIn = (nodes: Node[] | null | undefined) => {
    for (const n of nodes ?? []) {
      n.input = (n.input ?? []).map((i) => alias.get(i) ?? i);
      for (const a of n.attribute ?? []) {
        if (a.g) renameIn(a.g.node);
        for (const g of a.graphs ?? []) renameIn(g.node);
      }
    }
  };
  if (alias.size) renameIn(graph.node);

  const opset = (model.opsetImport ?? []).find((o) => !o.domain);
  const opsetFrom = num(opset?.version);
  if (opset && opsetFrom < 13) {
    const blocking = kept.find((n) => CHANGED_BY_13.has(n.opType ?? ""));
    if (blocking) throw new Error(`The graph is opset ${opsetFrom} and uses ${blocking.opType}, whose meaning changed by opset 13; re-export it at opset 13 or later`);
    opset.version = 13;
  }
  return { foldedBatchNorms: foldBatchNorms(model), opsetFrom };
}

function foldBatchNorms(model: Model): number {
  const inits = initializerMap(model);
  const users = consumers(model);
  const outputs = new Set((model.graph!.output ?? []).map((o) => o.name));
  const removed = new Set<Node>();
  let folded = 0;
  for (const conv of nodesOf(model)) {
    if (conv.opType !== "Conv") continue;
    const out = conv.output![0]!;
    const next = users.get(out) ?? [];
    const bn = next[0];
    if (next.length !== 1 || bn?.opType !== "BatchNormalization" || outputs.has(out) || bn.output?.length !== 1) continue;
    const [scaleT, biasT, meanT, varT] = bn.input!.slice(1).map((name) => inits.get(name));
    const weightT = inits.get(conv.input![1]!);
    if (!scaleT || !biasT || !meanT || !varT || !weightT) continue;
    const eps = attr(bn, "epsilon")?.f ?? 1e-5;
    const [gamma, beta, mean, variance] = [scaleT, biasT, meanT, varT].map(floatValues) as [Float32Array, Float32Array, Float32Array, Float32Array];
    const w = floatValues(weightT);
    const shape = dims(weightT);
    const channels = shape[0]!;
    const per = w.length / channels;
    const oldBias = conv.input![2] ? floatValues(inits.get(conv.input![2])!) : new Float32Array(channels);
    const newW = new Float32Array(w.length);
    const newB = new Float32Array(channels);
    for (let c = 0; c < channels; c++) {
      const k = gamma[c]! / Math.sqrt(variance[c]! + eps);
      for (let i = 0; i < per; i++) newW[c * per + i] = w[c * per + i]! * k;
      newB[c] = (oldBias[c]! - mean[c]!) * k + beta[c]!;
    }
    const base = `${conv.name || out}_bnfold`;
    model.graph!.initializer!.push(tensor(`${base}_w`, DT.FLOAT, shape, newW), tensor(`${base}_b`, DT.FLOAT, [channels], newB));
    conv.input = [conv.input![0]!, `${base}_w`, `${base}_b`];
    conv.output = [bn.output[0]!];
    removed.add(bn);
    folded++;
  }
  model.graph!.node = nodesOf(model).filter((n) => !removed.has(n));
  return folded;
}

/** Drops initializers no node (or subgraph) reads any more, e.g. fp32 weights replaced by their int8 copies. */
export function dropUnusedInitializers(model: Model): void {
  const used = new Set<string>();
  const visit = (g: Graph) => {
    for (const n of g.node ?? []) {
      for (const i of n.input ?? []) used.add(i);
      for (const a of n.attribute ?? []) {
        if (a.g) visit(a.g);
        for (const sub of a.graphs ?? []) visit(sub);
      }
    }
    for (const o of g.output ?? []) used.add(o.name!);
  };
  visit(model.graph!);
  model.graph!.initializer = (model.graph!.initializer ?? []).filter((t) => used.has(t.name!));
}
