import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { consumers, DT, dropUnusedInitializers, encodeModel, makeNode, nodesOf, onnx, producers, tensor } from "./graph";
import { optimizedOpCounts } from "./op-count";
import { planStatic, quantizeStatic } from "./qdq";

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
