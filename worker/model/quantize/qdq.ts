/**
 * QDQ quantization of a prepared fp32 graph (see graph.ts prepareModel). onnxruntime's QDQ transformers then
 * fuse DequantizeLinear -> Conv -> QuantizeLinear into QLinearConv, the same around Add into QLinearAdd and
 * around Gemm into QGemm, and run MaxPool and nearest Resize on uint8 directly. Everything else (RoIAlign,
 * NMS, post-processing) stays float, fed through DequantizeLinear.
 */
import { attr, consumers, DT, dims, fillAttribute, fillsFloatZero, floatValues, initializerMap, int64Tensor, intAttr, makeNode, nodesOf, onnx, producers, tensor, type Model, type Node, type Tensor } from "./graph";

/** uint8 activation range [lo, hi] as calibrated; 0 is always included. */
export type Range = { lo: number; hi: number };
export type QParams = { scale: number; zeroPoint: number };

const QUANTIZED_OPS = new Set(["Conv", "Gemm", "MatMul", "Add", "MaxPool", "Resize"]);
/** Ops that only move values: their output keeps their input's scale and zero point (so onnxruntime drops the pair). */
const SAME_PARAMS = new Set(["MaxPool", "Resize"]);
/** Ops that read only their input's shape. */
const SHAPE_ONLY = new Set(["Shape", "Size"]);
/** Ops that only reshape a tensor: a QuantizeLinear after them may as well come before them. */
const RESHAPES = new Set(["Flatten", "Reshape"]);
/** Ops whose Relu successor is absorbed into the output's uint8 range (zero point 0 clamps at 0). */
const RELU_FOLDS = new Set(["Conv", "Add", "Gemm"]);

export type QuantPlan = {
  /** Nodes that get QDQ around them, in graph order. */
  nodes: Node[];
  /** Activation tensors whose ranges calibration must measure (after Relu folding: the Relu's output). */
  tensors: string[];
  /** node -> the Relu it absorbs. */
  reluOf: Map<Node, Node>;
};

/** The activation inputs of a quantizable node (weights and biases are initializers and are handled apart). */
function activationInputs(node: Node, inits: ReadonlyMap<string, unknown>): string[] {
  const inputs = node.input ?? [];
  switch (node.opType) {
    case "Add":
      return inputs.every((i) => i && !inits.has(i)) ? inputs.slice(0, 2) : [];
    default:
      return inputs[0] && !inits.has(inputs[0]) ? [inputs[0]] : [];
  }
}

function weightAxis(node: Node): number {
  if (node.opType === "Conv") return 0;
  if (node.opType === "Gemm") return intAttr(node, "transB", 0) ? 0 : 1;
  return 1; // MatMul: [K, N]
}

/** Which nodes to quantize and which tensors calibration must see. `rank4` filters Add/Resize/MaxPool to feature maps once known. */
export function planStatic(model: Model, known?: ReadonlyMap<string, { rank: number; float: boolean }>): QuantPlan {
  const inits = initializerMap(model);
  const users = consumers(model);
  const graphOutputs = new Set((model.graph!.output ?? []).map((o) => o.name!));
  const nodes: Node[] = [];
  const reluOf = new Map<Node, Node>();
  const tensors = new Set<string>();
  for (const node of nodesOf(model)) {
    const op = node.opType ?? "";
    if (!QUANTIZED_OPS.has(op)) continue;
    if (["Conv", "Gemm", "MatMul"].includes(op)) {
      const w = inits.get(node.input?.[1] ?? "");
      if (!w || w.dataType !== DT.FLOAT) continue;
      if (op === "MatMul" && dims(w).length !== 2) continue;
      if (op === "Gemm" && (intAttr(node, "transA", 0) || (node.input?.[2] && !inits.has(node.input[2])))) continue;
    }
    const acts = activationInputs(node, inits);
    if (!acts.length) continue;
    const out = node.output![0]!;
    const next = users.get(out) ?? [];
    const relu = RELU_FOLDS.has(op) && next.length === 1 && next[0]!.opType === "Relu" && !graphOutputs.has(out) ? next[0]! : undefined;
    const effectiveOut = relu?.output?.[0] ?? out;
    if (known && ["Add", "MaxPool", "Resize"].includes(op)) {
      const ok = [...acts, effectiveOut].every((t) => known.get(t)?.float && known.get(t)?.rank === 4);
      if (!ok) continue;
    }
    if (known && !acts.every((t) => known.get(t)?.float)) continue;
    if (relu) reluOf.set(node, relu);
    nodes.push(node);
    for (const t of acts) tensors.add(t);
    tensors.add(effectiveOut);
  }
  return { nodes, tensors: [...tensors], reluOf };
}

export function uint8Params({ lo, hi }: Range): QParams {
  const min = Math.min(lo, 0);
  const max = Math.max(hi, 0);
  if (!(max > min)) return { scale: 1, zeroPoint: 0 };
  const scale = (max - min) / 255;
  return { scale, zeroPoint: Math.min(255, Math.max(0, Math.round(-min / scale))) };
}

/** Per output channel symmetric int8 (`qmax` 127, or 63 for 7-bit weights that cannot saturate AVX2's u8 x s8 pairs). */
export function quantizeWeight(values: Float32Array, shape: number[], axis: number, qmax: number): { q: Int8Array; scales: Float32Array } {
  const channels = shape[axis]!;
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = values.length / (channels * inner);
  const maxAbs = new Float32Array(channels);
  const at = (o: number, c: number, i: number) => (o * channels + c) * inner + i;
  for (let o = 0; o < outer; o++)
    for (let c = 0; c < channels; c++)
      for (let i = 0; i < inner; i++) maxAbs[c] = Math.max(maxAbs[c]!, Math.abs(values[at(o, c, i)]!));
  const scales = maxAbs.map((m) => (m > 0 ? m / qmax : 1));
  const q = new Int8Array(values.length);
  for (let o = 0; o < outer; o++)
    for (let c = 0; c < channels; c++)
      for (let i = 0; i < inner; i++) {
        const k = at(o, c, i);
        q[k] = Math.max(-qmax, Math.min(qmax, Math.round(values[k]! / scales[c]!)));
      }
  return { q, scales };
}

/** Names read inside If/Loop bodies (outer-scope values, not listed as node inputs of the main graph). */
function subgraphInputs(model: Model): Set<string> {
  const names = new Set<string>();
  const visit = (nodes: Node[] | null | undefined, inside: boolean) => {
    for (const n of nodes ?? []) {
      if (inside) for (const i of n.input ?? []) names.add(i);
      for (const a of n.attribute ?? []) {
        if (a.g) visit(a.g.node, true);
        for (const g of a.graphs ?? []) visit(g.node, true);
      }
    }
  };
  visit(nodesOf(model), false);
  return names;
}

/** Tensors read somewhere other than the main graph's node inputs (graph outputs, If/Loop bodies): never rewrite these. */
function readOutsideNodes(model: Model): Set<string> {
  return new Set([...(model.graph!.output ?? []).map((o) => o.name!), ...subgraphInputs(model)]);
}

type Namer = (base: string) => string;
function namer(prefix = "q"): Namer {
  let n = 0;
  return (base) => `${base.replace(/[^A-Za-z0-9_./:-]/g, "_")}__${prefix}${n++}`;
}

/** Adds int8 weights + DequantizeLinear for every weight of `nodes` (shared weights are quantized once). Returns the scales per weight. */
function quantizeWeights(model: Model, nodes: Node[], qmax: number, fresh: Namer): Map<Node, Float32Array> {
  const inits = initializerMap(model);
  const added = new Map<string, { q: string; scale: string; zp: string; scales: Float32Array; axis: number }>();
  const newNodes = new Map<Node, Node[]>();
  const perNode = new Map<Node, Float32Array>();
  for (const node of nodes) {
    const name = node.input![1]!;
    const axis = weightAxis(node);
    let w = added.get(name);
    if (!w) {
      const t = inits.get(name)!;
      const shape = dims(t);
      const { q, scales } = quantizeWeight(floatValues(t), shape, axis, qmax);
      w = { q: fresh(`${name}_int8`), scale: fresh(`${name}_scale`), zp: fresh(`${name}_zp`), scales, axis };
      model.graph!.initializer!.push(
        tensor(w.q, DT.INT8, shape, q),
        tensor(w.scale, DT.FLOAT, [scales.length], scales),
        tensor(w.zp, DT.INT8, [scales.length], new Int8Array(scales.length)),
      );
      added.set(name, w);
    }
    const deq = fresh(`${name}_dq`);
    newNodes.set(node, [makeNode("DequantizeLinear", [w.q, w.scale, w.zp], [deq], deq, { axis: w.axis })]);
    node.input![1] = deq;
    perNode.set(node, w.scales);
  }
  spliceBefore(model, newNodes);
  return perNode;
}

function spliceBefore(model: Model, before: Map<Node, Node[]>, after: Map<Node, Node[]> = new Map(), head: Node[] = []) {
  const out: Node[] = [...head];
  for (const node of nodesOf(model)) {
    out.push(...(before.get(node) ?? []), node, ...(after.get(node) ?? []));
  }
  model.graph!.node = out;
}

/** `weights` method: int8 per-channel weights of every Conv/Gemm/MatMul, dequantized at run time. Activations stay float. */
export function quantizeWeightsOnly(model: Model): { nodes: number } {
  const inits = initializerMap(model);
  const nodes = nodesOf(model).filter((n) => {
    if (!["Conv", "Gemm", "MatMul"].includes(n.opType ?? "")) return false;
    const w = inits.get(n.input?.[1] ?? "");
    return !!w && w.dataType === DT.FLOAT && (n.opType !== "MatMul" || dims(w).length === 2);
  });
  quantizeWeights(model, nodes, 127, namer());
  return { nodes: nodes.length };
}

export type StaticOptions = { qmax: number };

/**
 * `static` method: QDQ around every planned node. `ranges` holds the calibrated range of every tensor in
 * plan.tensors. Biases become int32 with scale = input scale x weight scale (per channel).
 */
export function quantizeStatic(model: Model, plan: QuantPlan, ranges: ReadonlyMap<string, Range>, opts: StaticOptions): { params: Map<string, QParams> } {
  const fresh = namer();
  const inits = initializerMap(model);
  const planned = new Set(plan.nodes);

  // Relu folding: the node writes the Relu's output itself; uint8 with zero point 0 clamps at 0 as the Relu did.
  for (const [node, relu] of plan.reluOf) {
    node.output = [relu.output![0]!];
  }
  const relus = new Set(plan.reluOf.values());
  model.graph!.node = nodesOf(model).filter((n) => !relus.has(n));

  // Quantization parameters per tensor, in graph order so MaxPool/Resize inherit their input's.
  const params = new Map<string, QParams>();
  const paramsOf = (t: string) => {
    let p = params.get(t);
    if (!p) {
      const r = ranges.get(t);
      if (!r) throw new Error(`no calibrated range for tensor ${t}`);
      p = uint8Params(r);
      params.set(t, p);
    }
    return p;
  };
  const acts = (n: Node) => activationInputs(n, inits);
  for (const node of plan.nodes) {
    const inputs = acts(node).map(paramsOf);
    const out = node.output![0]!;
    if (SAME_PARAMS.has(node.opType!)) params.set(out, inputs[0]!);
    else if (node.opType === "Gemm" || node.opType === "MatMul") {
      if (plan.reluOf.has(node)) paramsOf(out);
    } else paramsOf(out);
  }

  const scalesOfNode = quantizeWeights(
    model,
    plan.nodes.filter((n) => ["Conv", "Gemm", "MatMul"].includes(n.opType!)),
    opts.qmax,
    fresh,
  );

  const before = new Map<Node, Node[]>();
  const after = new Map<Node, Node[]>();
  const head: Node[] = [];
  const push = (map: Map<Node, Node[]>, key: Node, n: Node) => map.set(key, [...(map.get(key) ?? []), n]);
  const initTensor = (base: string, p: QParams) => {
    const s = fresh(`${base}_scale`);
    const z = fresh(`${base}_zp`);
    model.graph!.initializer!.push(tensor(s, DT.FLOAT, [], Float32Array.of(p.scale)), tensor(z, DT.UINT8, [], Uint8Array.of(p.zeroPoint)));
    return [s, z] as const;
  };

  // Int32 biases.
  for (const node of plan.nodes) {
    if (!["Conv", "Gemm"].includes(node.opType!) || !node.input![2]) continue;
    const wScales = scalesOfNode.get(node);
    const bias = inits.get(node.input![2]);
    if (!wScales || !bias || bias.dataType !== DT.FLOAT) continue;
    const b = floatValues(bias);
    if (b.length !== wScales.length) continue;
    const sx = paramsOf(acts(node)[0]!).scale;
    const scales = wScales.map((sw) => sx * sw);
    const q = Int32Array.from(b, (v, i) => Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.round(v / scales[i]!))));
    const qn = fresh(`${node.input![2]}_int32`);
    const sn = fresh(`${node.input![2]}_scale`);
    const zn = fresh(`${node.input![2]}_zp`);
    const dq = fresh(`${node.input![2]}_dq`);
    model.graph!.initializer!.push(tensor(qn, DT.INT32, [q.length], q), tensor(sn, DT.FLOAT, [q.length], scales), tensor(zn, DT.INT32, [q.length], new Int32Array(q.length)));
    push(before, node, makeNode("DequantizeLinear", [qn, sn, zn], [dq], dq, { axis: 0 }));
    node.input![2] = dq;
  }

  // Activations: one QuantizeLinear per tensor, one DequantizeLinear per quantized consumer (onnxruntime fuses
  // each node with its own DQs), and one shared DQ under the original name for float consumers and graph outputs
  // when the producer itself is quantized (its output may only feed the Q).
  const quantizedInputs = new Map<string, Node[]>();
  for (const node of plan.nodes) for (const t of acts(node)) quantizedInputs.set(t, [...(quantizedInputs.get(t) ?? []), node]);
  const prod = producers(model);
  const users = consumers(model);
  const readOutside = readOutsideNodes(model);
  for (const [t, p] of params) {
    const producer = prod.get(t);
    const producerQuantized = !!producer && planned.has(producer);
    const qConsumers = (quantizedInputs.get(t) ?? []).filter((n) => planned.has(n));
    const others = (users.get(t) ?? []).filter((n) => !qConsumers.includes(n));
    if (!producerQuantized && !qConsumers.length) continue;
    // Shape/Size read only the shape, which the uint8 tensor shares: fed the float copy they would keep a
    // whole-map DequantizeLinear alive for nothing (Detectron2's anchors read ~36 feature-map shapes).
    const shapeReaders = producerQuantized ? others.filter((n) => SHAPE_ONLY.has(n.opType!)) : [];
    const floatConsumers = others.filter((n) => !shapeReaders.includes(n));
    const [s, z] = initTensor(t, p);
    let source = t;
    if (producerQuantized) {
      source = fresh(`${t}_f`);
      producer.output = producer.output!.map((o) => (o === t ? source : o));
    }
    const qOut = fresh(`${t}_u8`);
    const qNode = makeNode("QuantizeLinear", [source, s, z], [qOut], qOut);
    if (producer) push(after, producer, qNode);
    else head.push(qNode);
    for (const c of shapeReaders) c.input = c.input!.map((i) => (i === t ? qOut : i));
    for (const c of qConsumers) {
      const dq = fresh(`${t}_dq`);
      push(before, c, makeNode("DequantizeLinear", [qOut, s, z], [dq], dq));
      c.input = c.input!.map((i) => (i === t ? dq : i));
    }
    if (producerQuantized && (floatConsumers.length || readOutside.has(t))) {
      push(after, producer, makeNode("DequantizeLinear", [qOut, s, z], [t], fresh(`${t}_dq`)));
    }
  }
  spliceBefore(model, before, after, head);
  return { params };
}

/**
 * After quantizeStatic or quantizeWeightsOnly: rewrites of Detectron2's RoIAlign pooler that lower the session's
 * peak memory and leave every output as it was (bit for bit). Returns what they changed.
 */
export function lowerPeakMemory(model: Model): { scatterMerges: number; chunkedRoiAligns: number; gatheredMerges: number; fusedAdds: number } {
  const fresh = namer("m");
  const scatterMerges = quantizeScatterMerges(model, fresh);
  const chunkedRoiAligns = chunkQuantizedRoiAligns(model, fresh);
  const gatheredMerges = gatherScatterMerges(model, fresh);
  return { scatterMerges, chunkedRoiAligns, gatheredMerges, fusedAdds: fuseConvAdds(model) };
}

/**
 * Detectron2's ROIPooler merges the levels' RoIAlign outputs by scattering each into zeros (ConstantOfShape, then
 * one ScatterND per level), and the box head quantizes the merged tensor: for 1000 proposals 1000 x 256 x 7 x 7
 * floats, 50 MB for the zeros and as much again for the scattered copy, alive next to the float P2 map RoIAlign
 * reads (the session's peak, scripts/profile-memory.ts). Quantizing each level's output as it comes out of RoIAlign and
 * scattering uint8 into zero points gives the same uint8 tensor (QuantizeLinear is elementwise, so it commutes
 * with moving values, and it maps 0 to the zero point) in a quarter of the memory. Returns how many merges moved.
 */
function quantizeScatterMerges(model: Model, fresh: Namer): number {
  const prod = producers(model);
  const users = consumers(model);
  const inits = initializerMap(model);
  const readOutside = readOutsideNodes(model);
  /** The one node reading `t` for its values (Shape/Size aside), when nothing else needs the float tensor. */
  const onlyReader = (t: string) => {
    const readers = (users.get(t) ?? []).filter((n) => !SHAPE_ONLY.has(n.opType!));
    return readers.length === 1 && !readOutside.has(t) ? readers[0]! : undefined;
  };
  /** Walks back from `t` through reshapes that only it depends on; returns the tensors passed, `t` first, and where it stopped. */
  const throughReshapes = (t: string) => {
    const passed = [t];
    for (let p = prod.get(t); p && RESHAPES.has(p.opType!) && onlyReader(p.input![0]!) === p; p = prod.get(t)) passed.push((t = p.input![0]!));
    return { start: t, passed };
  };
  const rename = (from: string, to: string) => {
    for (const reader of users.get(from) ?? []) reader.input = reader.input!.map((i) => (i === from ? to : i));
  };

  const removed = new Set<Node>();
  const after = new Map<Node, Node[]>();
  const retyped = new Set<string>();
  let merges = 0;
  for (const q of nodesOf(model)) {
    if (q.opType !== "QuantizeLinear" || !onlyReader(q.input![0]!)) continue;
    const zp = inits.get(q.input![2] ?? "");
    if (!zp || zp.dataType !== DT.UINT8 || dims(zp).length || !inits.has(q.input![1]!)) continue;
    // Back from the quantized tensor: reshapes, then a chain of ScatterND (each output read only by the next), then the zeros.
    const tail = throughReshapes(q.input![0]!);
    const scatters: Node[] = [];
    let data = tail.start;
    for (let p = prod.get(data); p?.opType === "ScatterND" && !attr(p, "reduction")?.s?.length; p = prod.get(data)) {
      scatters.unshift(p);
      data = p.input![0]!;
      if (onlyReader(data) !== p) break;
    }
    const zeros = prod.get(data);
    if (!scatters.length || zeros?.opType !== "ConstantOfShape" || !fillsFloatZero(zeros) || onlyReader(data) !== scatters[0]) continue;
    const updates = scatters.map((scatter) => throughReshapes(scatter.input![2]!));
    if (updates.some((u) => !prod.get(u.start))) continue;

    const [scale, zero] = [q.input![1]!, q.input![2]!];
    zeros.attribute = [
      ...(zeros.attribute ?? []).filter((a) => a.name !== "value"),
      fillAttribute(tensor("", DT.UINT8, [1], Uint8Array.from(zp.rawData ?? [0]))),
    ];
    for (const { start, passed } of updates) {
      const qOut = fresh(`${start}_u8`);
      const source = prod.get(start)!;
      after.set(source, [...(after.get(source) ?? []), makeNode("QuantizeLinear", [start, scale, zero], [qOut], qOut)]);
      rename(start, qOut);
      for (const t of passed.slice(0, -1)) retyped.add(t);
    }
    for (const scatter of scatters) retyped.add(scatter.output![0]!);
    for (const t of tail.passed) retyped.add(t);
    retyped.add(data);
    // The last reshape (or scatter) now writes the uint8 tensor the QuantizeLinear wrote.
    const last = q.input![0]!;
    rename(last, q.output![0]!);
    prod.get(last)!.output = [q.output![0]!];
    removed.add(q);
    merges++;
  }
  if (!merges) return 0;
  const out: Node[] = [];
  for (const node of nodesOf(model)) if (!removed.has(node)) out.push(node, ...(after.get(node) ?? []));
  model.graph!.node = out;
  model.graph!.valueInfo = (model.graph!.valueInfo ?? []).filter((v) => !retyped.has(v.name!));
  return merges;
}

/** How many pieces a quantized RoIAlign's proposals are cut into. */
export const ROI_ALIGN_CHUNKS = 4;

/**
 * A RoIAlign whose output is only quantized runs on a quarter of its proposals at a time, each quarter quantized
 * as it comes out and the uint8 quarters concatenated: for the P2 level (up to all 1000 proposals) the float output
 * alive next to the float P2 map drops from 50 MB to 12.5 MB. The proposals are cut with Slice at ceil(n / 4), so any
 * count works, and RoIAlign reads each proposal on its own, so the result is the same.
 */
function chunkQuantizedRoiAligns(model: Model, fresh: Namer): number {
  const users = consumers(model);
  const prod = producers(model);
  const readOutside = readOutsideNodes(model);
  /** The tensor the parts read for `features`, and the nodes that make it (once per features tensor). */
  const views = new Map<string, string>();
  const featuresFor = (features: string, nodes: Node[]): string => {
    const dq = prod.get(features);
    if (dq?.opType !== "DequantizeLinear") return features;
    let view = views.get(features);
    if (!view) {
      // onnxruntime gives every reader of a DequantizeLinear its own copy of it (EnsureUniqueDQForNodeUnit), so four
      // parts dequantized the whole uint8 level four times, single-threaded: ~100 ms a page for P2 alone. Through
      // Flatten and Reshape, which only relabel the buffer, the DequantizeLinear has one reader.
      const [flat, shape] = [fresh(`${features}_flat`), fresh(`${features}_shape`)];
      view = fresh(`${features}_view`);
      nodes.push(
        makeNode("Shape", [dq.input![0]!], [shape], shape),
        makeNode("Flatten", [features], [flat], flat, { axis: 1 }),
        makeNode("Reshape", [flat, shape], [view], view),
      );
      views.set(features, view);
    }
    return view;
  };
  const init = (base: string, values: number[]) => {
    const name = fresh(base);
    model.graph!.initializer!.push(int64Tensor(name, [values.length], values));
    return name;
  };
  const replaced = new Map<Node, Node[]>();
  for (const roi of nodesOf(model)) {
    if (roi.opType !== "RoiAlign" || roi.input?.length !== 3) continue;
    const out = roi.output![0]!;
    const readers = users.get(out) ?? [];
    const q = readers[0];
    if (readers.length !== 1 || q?.opType !== "QuantizeLinear" || readOutside.has(out)) continue;
    const [boxes, batch] = roi.input!.slice(1) as [string, string];
    const name = (what: string) => fresh(`${out}_${what}`);
    const [zero, one, axis0, parts] = [init("zero", [0]), init("one", [1]), init("axis0", [0]), init("parts", [ROI_ALIGN_CHUNKS])];
    const last = init("parts_minus_one", [ROI_ALIGN_CHUNKS - 1]);
    const [shape, count, padded, size] = [name("shape"), name("count"), name("padded"), name("chunk")];
    const nodes: Node[] = [
      makeNode("Shape", [boxes], [shape], shape),
      makeNode("Slice", [shape, zero, one], [count], count),
      makeNode("Add", [count, last], [padded], padded),
      makeNode("Div", [padded, parts], [size], size),
    ];
    const features = featuresFor(roi.input![0]!, nodes);
    const pieces: string[] = [];
    for (let k = 0; k < ROI_ALIGN_CHUNKS; k++) {
      const [start, end, b, i, y, yq] = ["start", "end", "boxes", "batch", "roi", "u8"].map((w) => name(`${w}${k}`)) as [string, string, string, string, string, string];
      nodes.push(
        makeNode("Mul", [size, init(`k${k}`, [k])], [start], start),
        makeNode("Mul", [size, init(`k${k + 1}`, [k + 1])], [end], end),
        makeNode("Slice", [boxes, start, end, axis0], [b], b),
        makeNode("Slice", [batch, start, end, axis0], [i], i),
        onnx.NodeProto.create({ opType: roi.opType, domain: roi.domain, attribute: roi.attribute, input: [features, b, i], output: [y], name: y }),
        makeNode("QuantizeLinear", [y, q.input![1]!, q.input![2]!], [yq], yq),
      );
      pieces.push(yq);
    }
    nodes.push(makeNode("Concat", pieces, [q.output![0]!], name("concat"), { axis: 0 }));
    replaced.set(roi, nodes);
    replaced.set(q, []);
  }
  if (!replaced.size) return 0;
  model.graph!.node = nodesOf(model).flatMap((n) => replaced.get(n) ?? [n]);
  return replaced.size / 2;
}

/**
 * A float merge (weights-only graphs, where the box head reads floats): onnxruntime's ScatterND copies its data
 * input, so scattering the levels into zeros keeps the zeros, a copy and a level's RoIAlign output alive at once
 * (3 x 50 MB for 1000 proposals). Instead the levels' outputs are concatenated, with one row of zeros after them,
 * and the merged rows gathered from that: row r of the merge is the row the scatters put at r (the inverse of
 * their indices, by ScatterElements), else the zero row. Two tensors of the merged size at most. Shape readers of
 * the scattered tensors read the zeros' shape itself, so the whole zeros tensor is not made.
 */
function gatherScatterMerges(model: Model, fresh: Namer): number {
  const prod = producers(model);
  const users = consumers(model);
  const readOutside = readOutsideNodes(model);
  const exclusive = (t: string) => !readOutside.has(t);
  const replaced = new Map<Node, Node[]>();
  for (const zeros of nodesOf(model)) {
    if (zeros.opType !== "ConstantOfShape" || !fillsFloatZero(zeros)) continue;
    // The chain: zeros -> ScatterND -> ScatterND ..., each tensor read by the next scatter and by Shape nodes only.
    const scatters: Node[] = [];
    const shapeReaders: Node[] = [];
    let t = zeros.output![0]!;
    for (;;) {
      if (!exclusive(t)) break;
      const readers = users.get(t) ?? [];
      const shapes = readers.filter((n) => n.opType === "Shape" && !(n.attribute ?? []).length);
      const rest = readers.filter((n) => !shapes.includes(n));
      const next = rest[0];
      if (rest.length !== 1 || next?.opType !== "ScatterND" || next.input![0] !== t || attr(next, "reduction")?.s?.length) break;
      shapeReaders.push(...shapes);
      scatters.push(next);
      t = next.output![0]!;
    }
    if (scatters.length < 2) continue;
    const merged = t;
    const name = (what: string) => fresh(`${merged}_${what}`);
    const int64 = (what: string, dims: number[], values: number[]) => {
      const n = name(what);
      model.graph!.initializer!.push(int64Tensor(n, dims, values));
      return n;
    };
    const shape = zeros.input![0]!;
    const [rows, rest, zeroRowShape, zeroRow, flat, positions, count, order, base, none, inverse, joined] = [
      "rows", "rest", "zero_row_shape", "zero_row", "flat", "positions", "count", "order", "base", "none", "inverse", "joined",
    ].map(name) as [string, string, string, string, string, string, string, string, string, string, string, string];
    const constant = (out: string, input: string, fill: Tensor) =>
      onnx.NodeProto.create({ opType: "ConstantOfShape", input: [input], output: [out], name: out, attribute: [fillAttribute(fill)] });
    const nodes: Node[] = [];
    // Each level's indices ([n, 1] rows of the merge) flattened, in level order: the merge row of each joined row.
    const flatIndices = scatters.map((s, k) => {
      const out = `${flat}${k}`;
      nodes.push(makeNode("Reshape", [s.input![1]!, int64(`minus_one${k}`, [1], [-1])], [out], out));
      return out;
    });
    nodes.push(
      makeNode("Slice", [shape, int64("first", [1], [0]), int64("second", [1], [1])], [rows], rows),
      makeNode("Slice", [shape, int64("from_second", [1], [1]), int64("to_end", [1], [Number.MAX_SAFE_INTEGER])], [rest], rest),
      makeNode("Concat", [int64("one_row", [1], [1]), rest], [zeroRowShape], zeroRowShape, { axis: 0 }),
      constant(zeroRow, zeroRowShape, tensor("", DT.FLOAT, [1], Float32Array.of(0))),
      makeNode("Concat", [...scatters.map((s) => s.input![2]!), zeroRow], [joined], joined, { axis: 0 }),
      makeNode("Concat", flatIndices, [positions], positions, { axis: 0 }),
      makeNode("Size", [positions], [count], count),
      makeNode("Range", [int64("zero", [], [0]), count, int64("step", [], [1])], [order], order),
      constant(base, rows, int64Tensor("", [1], [0])),
      makeNode("Add", [base, count], [none], none),
      makeNode("ScatterElements", [none, positions, order], [inverse], inverse, { axis: 0 }),
      makeNode("Gather", [joined, inverse], [merged], name("gather"), { axis: 0 }),
    );
    for (const reader of shapeReaders) replaced.set(reader, [makeNode("Identity", [shape], [reader.output![0]!], reader.name || reader.output![0]!)]);
    replaced.set(zeros, []);
    for (const s of scatters.slice(0, -1)) replaced.set(s, []);
    replaced.set(scatters.at(-1)!, nodes);
  }
  if (!replaced.size) return 0;
  model.graph!.node = nodesOf(model).flatMap((n) => replaced.get(n) ?? [n]);
  return [...replaced.keys()].filter((n) => n.opType === "ConstantOfShape").length;
}

/** Ops whose output is a feature map: an Add of one to a Conv's output adds tensors of one shape, no broadcasting. */
const FEATURE_MAPS = new Set(["Conv", "Relu", "Resize", "Add", "MaxPool"]);

/**
 * A float Conv whose only reader is an Add (a ResNet block's residual, an FPN level's top-down sum), and a Relu
 * after it, become onnxruntime's FusedConv with the other addend as its fourth input `Z`: the convolution
 * accumulates into Z's buffer (the kernel may write in place) instead of making a third map of the same size. For
 * weights-only graphs (onnxruntime does not fuse a Conv whose weight a DequantizeLinear makes), where the res2
 * Adds held three stride-4 float maps at once early in each run, while the render thread draws the next page.
 * Static graphs have no float Conv left; their Adds are QLinearAdd. Returns how many Adds were fused.
 */
function fuseConvAdds(model: Model): number {
  const prod = producers(model);
  const users = consumers(model);
  const readOutside = readOutsideNodes(model);
  const only = (t: string) => {
    const readers = users.get(t);
    return readers?.length === 1 && !readOutside.has(t) ? readers[0] : undefined;
  };
  const replaced = new Map<Node, Node[]>();
  for (const add of nodesOf(model)) {
    if (add.opType !== "Add" || (add.domain ?? "") !== "" || add.input?.length !== 2) continue;
    const side = add.input.findIndex((t) => {
      const conv = prod.get(t);
      return conv?.opType === "Conv" && (conv.domain ?? "") === "" && !replaced.has(conv) && only(t) === add;
    });
    const z = add.input[1 - side];
    if (side < 0 || !z || !FEATURE_MAPS.has(prod.get(z)?.opType ?? "")) continue;
    const conv = prod.get(add.input[side]!)!;
    const relu = only(add.output![0]!);
    const fuseRelu = relu?.opType === "Relu";
    const [x, w, b = ""] = conv.input!;
    const fused = onnx.NodeProto.create({
      opType: "FusedConv",
      domain: "com.microsoft",
      name: conv.name,
      input: [x!, w!, b, z],
      output: [fuseRelu ? relu.output![0]! : add.output![0]!],
      attribute: [...(conv.attribute ?? []), ...(fuseRelu ? [onnx.AttributeProto.create({ name: "activation", type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode("Relu") })] : [])],
    });
    // The Add's place: both addends exist by then.
    replaced.set(conv, []);
    replaced.set(add, [fused]);
    if (fuseRelu) replaced.set(relu, []);
  }
  const fusedAdds = [...replaced.keys()].filter((n) => n.opType === "Add").length;
  if (!fusedAdds) return 0;
  model.graph!.node = nodesOf(model).flatMap((n) => replaced.get(n) ?? [n]);
  if (!model.opsetImport!.some((o) => o.domain === "com.microsoft")) model.opsetImport!.push(onnx.OperatorSetIdProto.create({ domain: "com.microsoft", version: 1 }));
  return fusedAdds;
}
