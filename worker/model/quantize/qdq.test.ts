import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { consumers, DT, dropUnusedInitializers, encodeModel, makeNode, nodesOf, onnx, prepareModel, producers, tensor } from "./graph";
import { optimizedGraph, optimizedOpCounts } from "./op-count";
import { lowerPeakMemory, planStatic, quantizeStatic, ROI_ALIGN_CHUNKS } from "./qdq";

/** x -> Conv -> Relu -> y (graph output: its shape, read by Shape) and -> Conv -> z. */
function convThenShape() {
  const w = Float32Array.from({ length: 4 * 3 * 3 * 3 }, (_, i) => Math.sin(i) / 4);
  const w2 = Float32Array.from({ length: 4 * 4 }, (_, i) => Math.cos(i) / 4);
  const vi = (name: string, elemType: number, shape: (number | string)[]) =>
    onnx.ValueInfoProto.create({
      name,
      type: { tensorType: { elemType, shape: { dim: shape.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) } } },
    });
  return onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 13 }],
    graph: {
      name: "t",
      input: [vi("x", DT.FLOAT, [1, 3, 16, 16])],
      output: [vi("z", DT.FLOAT, [1, 4, 16, 16]), vi("s", DT.INT64, [4])],
      initializer: [tensor("w", DT.FLOAT, [4, 3, 3, 3], w), tensor("b", DT.FLOAT, [4], Float32Array.of(0.1, -0.1, 0.2, 0)), tensor("w2", DT.FLOAT, [4, 4, 1, 1], w2)],
      node: [
        makeNode("Conv", ["x", "w", "b"], ["c"], "conv", {}),
        makeNode("Relu", ["c"], ["y"], "relu"),
        makeNode("Shape", ["y"], ["s"], "shape"),
        makeNode("Conv", ["y", "w2"], ["z"], "conv2"),
      ],
    },
  });
}

describe("static QDQ", () => {
  it("a Shape of a quantized tensor reads the uint8 tensor, so no DequantizeLinear is left for it alone", async () => {
    const model = convThenShape();
    model.graph!.node![0]!.attribute!.push(onnx.AttributeProto.create({ name: "pads", type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 1, 1, 1] }));
    const known = new Map(["x", "y", "z"].map((t) => [t, { rank: 4, float: true }]));
    const plan = planStatic(model, known);
    expect(plan.nodes.map((n) => n.name)).toEqual(["conv", "conv2"]);
    quantizeStatic(model, plan, new Map([["x", { lo: -1, hi: 1 }], ["y", { lo: 0, hi: 2 }], ["z", { lo: -2, hi: 2 }]]), { qmax: 63 });
    const shape = nodesOf(model).find((n) => n.opType === "Shape")!;
    expect(producers(model).get(shape.input![0]!)?.opType).toBe("QuantizeLinear");
    const users = consumers(model);
    const dqsForShapeOnly = nodesOf(model).filter(
      (n) => n.opType === "DequantizeLinear" && (users.get(n.output![0]!) ?? []).length > 0 && users.get(n.output![0]!)!.every((u) => u.opType === "Shape"),
    );
    expect(dqsForShapeOnly).toEqual([]);

    dropUnusedInitializers(model);
    const bytes = encodeModel(model);
    const ops = await optimizedOpCounts(bytes);
    expect(ops.QLinearConv).toBe(2);
    const session = await ort.InferenceSession.create(bytes);
    const out = await session.run({ x: new ort.Tensor("float32", new Float32Array(3 * 16 * 16).fill(0.5), [1, 3, 16, 16]) });
    expect(Array.from(out.s!.data as BigInt64Array, Number)).toEqual([1, 4, 16, 16]);
    expect((out.z!.dims as number[]).join("x")).toBe("1x4x16x16");
    await session.release();
  });
});

/**
 * Detectron2's ROIPooler in miniature: two levels' RoIAlign outputs scattered into zeros, flattened, then a Gemm.
 * `n0`/`n1`: proposals per level (scattered to rows `pos0`/`pos1` of the merged tensor, whose last row stays zero).
 */
function pooler(n0: number, n1: number) {
  const w = Float32Array.from({ length: 16 * 3 }, (_, i) => Math.sin(i * 1.3) / 4);
  const vi = (name: string, elemType: number, shape: (number | string)[]) =>
    onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType, shape: { dim: shape.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) } } } });
  const roi = (level: number) =>
    makeNode("RoiAlign", [`feat${level}`, `rois${level}`, `batch${level}`], [`ra${level}`], `roi${level}`, { output_height: 2, output_width: 2, sampling_ratio: 2 });
  return onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 13 }],
    graph: {
      name: "pooler",
      input: [
        vi("feat0", DT.FLOAT, [1, 4, 16, 16]), vi("feat1", DT.FLOAT, [1, 4, 8, 8]),
        vi("rois0", DT.FLOAT, ["n0", 4]), vi("rois1", DT.FLOAT, ["n1", 4]),
        vi("batch0", DT.INT64, ["n0"]), vi("batch1", DT.INT64, ["n1"]),
        vi("pos0", DT.INT64, ["n0", 1]), vi("pos1", DT.INT64, ["n1", 1]),
      ],
      output: [vi("y", DT.FLOAT, [n0 + n1 + 1, 3])],
      initializer: [
        onnx.TensorProto.create({ name: "merged_shape", dataType: DT.INT64, dims: [4], int64Data: [n0 + n1 + 1, 4, 2, 2] }),
        tensor("w", DT.FLOAT, [16, 3], w),
        tensor("b", DT.FLOAT, [3], Float32Array.of(0.1, -0.2, 0.05)),
      ],
      node: [
        makeNode("ConstantOfShape", ["merged_shape"], ["zeros"], "zeros"),
        roi(0),
        makeNode("ScatterND", ["zeros", "pos0", "ra0"], ["s0"], "scatter0"),
        roi(1),
        makeNode("ScatterND", ["s0", "pos1", "ra1"], ["s1"], "scatter1"),
        makeNode("Flatten", ["s1"], ["flat"], "flatten", { axis: 1 }),
        makeNode("Gemm", ["flat", "w", "b"], ["y"], "fc"),
      ],
    },
  });
}

/** Proposals on (level 0, level 1): several on each, a single one on level 1, none on level 1. */
const PROPOSALS = [
  [7, 5],
  [3, 1],
  [2, 0],
] as const;

/**
 * x -> Relu -> r; block = Relu(Conv(Conv(r)) + r) (a ResNet block); sum = Conv(block) + Resize(small, 2x), an
 * FPN level's top-down sum.
 */
function residualAndTopDown() {
  const weight = (name: string, seed: number) => tensor(name, DT.FLOAT, [4, 4, 3, 3], Float32Array.from({ length: 4 * 4 * 9 }, (_, i) => Math.sin(i + seed) / 6));
  const bias = (name: string) => tensor(name, DT.FLOAT, [4], Float32Array.of(0.1, -0.2, 0.05, 0));
  const vi = (name: string, shape: number[]) => onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: DT.FLOAT, shape: { dim: shape.map((d) => ({ dimValue: d })) } } } });
  const conv = (inputs: string[], out: string) => {
    const node = makeNode("Conv", inputs, [out], out);
    node.attribute!.push(onnx.AttributeProto.create({ name: "pads", type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 1, 1, 1] }));
    return node;
  };
  const resize = makeNode("Resize", ["small", "", "scales"], ["up"], "up");
  resize.attribute!.push(onnx.AttributeProto.create({ name: "mode", type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode("nearest") }));
  return onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 13 }],
    graph: {
      name: "t",
      input: [vi("x", [1, 4, 8, 8]), vi("small", [1, 4, 4, 4])],
      output: [vi("block", [1, 4, 8, 8]), vi("sum", [1, 4, 8, 8])],
      initializer: [weight("w1", 1), weight("w2", 2), weight("w3", 3), bias("b1"), bias("b2"), bias("b3"), tensor("scales", DT.FLOAT, [4], Float32Array.of(1, 1, 2, 2))],
      node: [
        makeNode("Relu", ["x"], ["r"], "r"),
        conv(["r", "w1", "b1"], "c1"),
        conv(["c1", "w2", "b2"], "c2"),
        makeNode("Add", ["c2", "r"], ["res"], "res"),
        makeNode("Relu", ["res"], ["block"], "block"),
        conv(["block", "w3", "b3"], "c3"),
        resize,
        makeNode("Add", ["c3", "up"], ["sum"], "sum"),
      ],
    },
  });
}

describe("lowerPeakMemory", () => {
  const ranges = new Map([["flat", { lo: -0.5, hi: 1.5 }]]);
  const quantized = (n0: number, n1: number) => {
    const model = pooler(n0, n1);
    const known = new Map(["flat", "y"].map((t) => [t, { rank: 2, float: true }]));
    quantizeStatic(model, planStatic(model, known), ranges, { qmax: 63 });
    return model;
  };
  const feeds = (n0: number, n1: number) => {
    const rand = (n: number, scale: number, seed: number) => Float32Array.from({ length: n }, (_, i) => (Math.sin(i * 12.9898 + seed) * 43758.5453) % 1 * scale);
    const rois = (n: number, size: number, seed: number) =>
      Float32Array.from({ length: n * 4 }, (_, i) => {
        const r = Math.abs(rand(n * 4, size / 2, seed)[i]!);
        return i % 4 < 2 ? r : r + size / 2;
      });
    const order = Array.from({ length: n0 + n1 }, (_, i) => n0 + n1 - 1 - i); // level 1's rows first
    return {
      feat0: new ort.Tensor("float32", rand(4 * 16 * 16, 1, 1), [1, 4, 16, 16]),
      feat1: new ort.Tensor("float32", rand(4 * 8 * 8, 1, 2), [1, 4, 8, 8]),
      rois0: new ort.Tensor("float32", rois(n0, 16, 3), [n0, 4]),
      rois1: new ort.Tensor("float32", rois(n1, 8, 4), [n1, 4]),
      batch0: new ort.Tensor("int64", new BigInt64Array(n0), [n0]),
      batch1: new ort.Tensor("int64", new BigInt64Array(n1), [n1]),
      pos0: new ort.Tensor("int64", BigInt64Array.from(order.slice(0, n0), BigInt), [n0, 1]),
      pos1: new ort.Tensor("int64", BigInt64Array.from(order.slice(n0), BigInt), [n1, 1]),
    };
  };
  const run = async (model: ReturnType<typeof pooler>, n0: number, n1: number) => {
    dropUnusedInitializers(model);
    const session = await ort.InferenceSession.create(encodeModel(model));
    const out = await session.run(feeds(n0, n1));
    await session.release();
    return Array.from(out.y!.data as Float32Array);
  };

  it.each(PROPOSALS)("merges the RoIAlign levels in uint8 and runs each RoIAlign in parts, with the same outputs (%i + %i proposals)", async (n0, n1) => {
    const before = quantized(n0, n1);
    const after = quantized(n0, n1);
    expect(lowerPeakMemory(after)).toEqual({ scatterMerges: 1, chunkedRoiAligns: 2, gatheredMerges: 0, fusedAdds: 0 });

    const nodes = nodesOf(after);
    // The zeros are zero points now, and no QuantizeLinear reads the merged float tensor: there is none.
    const zeros = nodes.find((n) => n.opType === "ConstantOfShape")!;
    expect(zeros.attribute!.find((a) => a.name === "value")!.t!.dataType).toBe(DT.UINT8);
    const prod = producers(after);
    const flatten = nodes.find((n) => n.opType === "Flatten")!;
    expect(consumers(after).get(flatten.output![0]!)!.map((n) => n.opType)).toEqual(["DequantizeLinear"]);
    expect(nodes.filter((n) => n.opType === "RoiAlign")).toHaveLength(2 * ROI_ALIGN_CHUNKS);
    for (const roi of nodes.filter((n) => n.opType === "RoiAlign")) {
      expect(consumers(after).get(roi.output![0]!)!.map((n) => n.opType)).toEqual(["QuantizeLinear"]);
      expect(prod.get(roi.input![1]!)?.opType).toBe("Slice");
    }
    expect(await run(after, n0, n1)).toEqual(await run(before, n0, n1));
  });

  it("has the parts of a RoIAlign read one DequantizeLinear of their level, where onnxruntime would run one per part", async () => {
    const levels = () => {
      // The levels as an FPN's QLinearConv leaves them: uint8, dequantized in front of RoIAlign.
      const model = quantized(7, 5);
      model.graph!.initializer!.push(tensor("feat_scale", DT.FLOAT, [], Float32Array.of(1 / 64)), tensor("feat_zero", DT.UINT8, [], Uint8Array.of(128)));
      const q = [0, 1].flatMap((l) => [
        makeNode("QuantizeLinear", [`feat${l}`, "feat_scale", "feat_zero"], [`feat${l}_u8`], `q${l}`),
        makeNode("DequantizeLinear", [`feat${l}_u8`, "feat_scale", "feat_zero"], [`feat${l}_dq`], `dq${l}`),
      ]);
      for (const roi of nodesOf(model).filter((n) => n.opType === "RoiAlign")) roi.input![0] = `${roi.input![0]}_dq`;
      model.graph!.node!.unshift(...q);
      return model;
    };
    const [before, after] = [levels(), levels()];
    expect(lowerPeakMemory(after)).toMatchObject({ chunkedRoiAligns: 2 });
    const optimized = nodesOf(await optimizedGraph(encodeModel(after)));
    const dequantizeLevels = optimized.filter((n) => n.opType === "DequantizeLinear" && /^feat\d_u8$/.test(n.input![0]!));
    expect(dequantizeLevels.map((n) => n.input![0]).sort()).toEqual(["feat0_u8", "feat1_u8"]);
    expect(optimized.filter((n) => n.opType === "RoiAlign")).toHaveLength(2 * ROI_ALIGN_CHUNKS);
    expect(await run(after, 7, 5)).toEqual(await run(before, 7, 5));
  });

  it.each(PROPOSALS)("in a float graph (weights only), gathers the merged rows from the levels' outputs, with the same outputs (%i + %i proposals)", async (n0, n1) => {
    const after = pooler(n0, n1);
    expect(lowerPeakMemory(after)).toEqual({ scatterMerges: 0, chunkedRoiAligns: 0, gatheredMerges: 1, fusedAdds: 0 });
    const ops = nodesOf(after).map((n) => n.opType);
    expect(ops).not.toContain("ScatterND");
    expect(ops).toContain("Gather");
    // The merge's last row is no proposal's: it comes from the zero row.
    expect(await run(after, n0, n1)).toEqual(await run(pooler(n0, n1), n0, n1));
  });

  it("runs a residual Conv + Add + Relu and a top-down Conv + Add as FusedConv, with the same outputs", async () => {
    const before = residualAndTopDown();
    const after = residualAndTopDown();
    expect(lowerPeakMemory(after)).toMatchObject({ fusedAdds: 2 });
    const ops = nodesOf(after).map((n) => n.opType);
    expect(ops).not.toContain("Add");
    expect(ops.filter((op) => op === "FusedConv")).toHaveLength(2);
    // The block's Relu went into its FusedConv; the one in front of the block (read twice) stays.
    expect(ops.filter((op) => op === "Relu")).toHaveLength(1);
    expect(await optimizedOpCounts(encodeModel(after))).not.toHaveProperty("Add");
    const x = new ort.Tensor("float32", Float32Array.from({ length: 4 * 8 * 8 }, (_, i) => Math.sin(i * 0.7)), [1, 4, 8, 8]);
    const small = new ort.Tensor("float32", Float32Array.from({ length: 4 * 4 * 4 }, (_, i) => Math.cos(i * 0.3)), [1, 4, 4, 4]);
    const run = async (model: ReturnType<typeof residualAndTopDown>) => {
      const session = await ort.InferenceSession.create(encodeModel(model));
      const out = await session.run({ x, small });
      await session.release();
      return [Array.from(out.block!.data as Float32Array), Array.from(out.sum!.data as Float32Array)];
    };
    const [want, got] = [await run(before), await run(after)];
    for (const [i, values] of got.entries()) {
      expect(values.some((v) => v !== 0)).toBe(true);
      values.forEach((v, k) => expect(v).toBeCloseTo(want[i]![k]!, 5));
    }
  });

  it("leaves an Add alone when something else reads the Conv's output", () => {
    const model = residualAndTopDown();
    model.graph!.output!.push(onnx.ValueInfoProto.create({ name: "c2" }));
    expect(lowerPeakMemory(model)).toMatchObject({ fusedAdds: 1 });
  });

  it("leaves a merge alone when something else reads the float zeros", () => {
    const model = quantized(3, 2);
    model.graph!.node!.push(makeNode("Relu", ["zeros"], ["zeros_too"], "reader"));
    model.graph!.output!.push(onnx.ValueInfoProto.create({ name: "zeros_too" }));
    expect(lowerPeakMemory(model)).toMatchObject({ scatterMerges: 0, gatheredMerges: 0 });
  });
});

describe("prepareModel", () => {
  it("gives readers of an Identity of a weight the weight itself, so a Gemm whose bias the exporter shared is quantized", () => {
    const model = pooler(3, 2);
    model.graph!.node!.push(makeNode("Identity", ["b"], ["b_shared"], "share"));
    const fc = model.graph!.node!.find((n) => n.opType === "Gemm")!;
    fc.input![2] = "b_shared";
    const known = new Map(["flat", "y"].map((t) => [t, { rank: 2, float: true }]));
    expect(planStatic(model, known).nodes).toHaveLength(0);
    prepareModel(model);
    expect(nodesOf(model).some((n) => n.opType === "Identity")).toBe(false);
    expect(fc.input![2]).toBe("b");
    expect(planStatic(model, known).nodes.map((n) => n.name)).toEqual(["fc"]);
  });
});
