import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { checkContract, ModelContractError } from "./contract";
import { decodeDetections, maskOutline } from "./decode";

const layout4 = { inputName: "x.1", outputNames: [], boxes: 0, classes: 1, masks: null, scores: 2, imageSize: 3, staticInput: null };
const tensors = (boxes: number[], classes: number[], scores: number[], size: [number, number]) => [
  new ort.Tensor("float32", Float32Array.from(boxes), [scores.length, 4]),
  new ort.Tensor("int64", BigInt64Array.from(classes.map(BigInt)), [classes.length]),
  new ort.Tensor("float32", Float32Array.from(scores), [scores.length]),
  new ort.Tensor("int64", BigInt64Array.from(size.map(BigInt)), [2]),
];
const labels = ["Text", "Title", "List", "Table", "Figure"];

describe("decodeDetections (detector_postprocess)", () => {
  it("scales from model input to the original image, clips, drops empty boxes and low scores", () => {
    const out = decodeDetections(
      tensors([10, 20, 110, 220, -5, 0, 50, 2000, 30, 30, 30, 60, 0, 0, 10, 10], [1, 4, 0, 7], [0.95, 0.9, 0.8, 0.3], [1035, 800]),
      layout4,
      { labels, scoreThreshold: 0.5, original: { width: 1600, height: 2070 } },
    );
    expect(out).toHaveLength(2); // the zero-width box and the 0.3 score are gone
    expect(out[0]).toMatchObject({ label: "Title", classIndex: 1, box: [20, 40, 220, 440] });
    expect(out[1]).toMatchObject({ label: "Figure", box: [0, 0, 100, 2070] });
  });

  it("names unknown classes and handles N = 0", () => {
    expect(decodeDetections(tensors([0, 0, 5, 5], [9], [0.9], [10, 10]), layout4, { labels, scoreThreshold: 0, original: { width: 10, height: 10 } })[0]!.label).toBe("class_9");
    expect(decodeDetections(tensors([], [], [], [10, 10]), layout4, { labels, scoreThreshold: 0, original: { width: 10, height: 10 } })).toEqual([]);
  });

  it("turns a 28x28 box-relative mask into an outline inside the box", () => {
    const mask = new Float32Array(28 * 28);
    for (let r = 7; r < 21; r++) for (let c = 0; c < 14; c++) mask[r * 28 + c] = 0.9;
    const poly = maskOutline(mask, [100, 200, 128, 228])!;
    const xs = poly.map(([x]) => x);
    const ys = poly.map(([, y]) => y);
    expect(Math.min(...xs)).toBe(100);
    expect(Math.max(...xs)).toBe(114);
    expect(Math.min(...ys)).toBe(207);
    expect(Math.max(...ys)).toBe(221);
    expect(maskOutline(new Float32Array(28 * 28), [0, 0, 1, 1])).toBeNull();
  });
});

describe("checkContract", () => {
  const t = (name: string, type: string, shape: (number | string)[]) => ({ name, isTensor: true as const, type: type as "float32", shape });

  it("reads exports by position, whatever their names, and reports a static input size", () => {
    const layout = checkContract([t("x.1", "float32", [3, 1035, 800])], [t("boxes.35", "float32", ["N", 4]), t("value.3", "int64", ["N"]), t("s", "float32", ["N"]), t("i", "int64", [2])]);
    expect(layout).toMatchObject({ inputName: "x.1", scores: 2, staticInput: { width: 800, height: 1035 } });
    const masks = checkContract([t("image", "float32", [3, "h", "w"])], [t("a", "float32", ["N", 4]), t("b", "int64", ["N"]), t("m", "float32", ["N", 1, 28, 28]), t("c", "float32", ["N"]), t("d", "int64", [2])]);
    expect(masks).toMatchObject({ masks: 2, scores: 3, imageSize: 4, staticInput: null });
  });

  it("refuses other models, saying what it expected and what it found", () => {
    const yolo = () => checkContract([t("images", "float32", [1, 3, 640, 640])], [t("output0", "float32", [1, 84, 8400])]);
    expect(yolo).toThrow(ModelContractError);
    expect(yolo).toThrow(/expected 1 input float32 \[3,H,W\].*found 1 input\(s\) `images` float32 \[1,3,640,640\]/);
    expect(() => checkContract([t("image", "float32", [3, "h", "w"])], [t("a", "float32", ["N", 4]), t("b", "float32", ["N"]), t("c", "float32", ["N"]), t("d", "int64", [2])])).toThrow(/classes/);
  });
});
