import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import type { ContractLayout } from "./contract";
import { decodeDetections, maskPolygon, type DecodeOptions } from "./decode";

const layout4: ContractLayout = {
  inputName: "x.1",
  outputNames: ["boxes.35", "value.3", "value.4", "value.5"],
  boxes: 0,
  classes: 1,
  masks: null,
  scores: 2,
  imageSize: 3,
  staticInput: null,
  shapesKnown: true,
  summary: "",
};
const layout5: ContractLayout = { ...layout4, outputNames: ["b", "c", "m", "s", "i"], masks: 2, scores: 3, imageSize: 4 };
const labels = ["Text", "Title", "List", "Table", "Figure"];

const outputs = (rows: { box: number[]; cls: number; score: number }[], size: [number, number], masks?: Float32Array, side = 28) => {
  const n = rows.length;
  const list = [
    new ort.Tensor("float32", Float32Array.from(rows.flatMap((r) => r.box)), [n, 4]),
    new ort.Tensor("int64", BigInt64Array.from(rows.map((r) => BigInt(r.cls))), [n]),
    new ort.Tensor("float32", Float32Array.from(rows.map((r) => r.score)), [n]),
    new ort.Tensor("int64", BigInt64Array.from(size.map(BigInt)), [2]),
  ];
  if (masks) list.splice(2, 0, new ort.Tensor("float32", masks, [n, 1, side, side]));
  return list;
};
const opts = (original: [number, number], input: [number, number] = [800, 1035], scoreThreshold = 0.5): DecodeOptions => ({
  labels,
  scoreThreshold,
  original: { width: original[0], height: original[1] },
  input: { width: input[0], height: input[1] },
});

/** A side x side mask with cells (r, c) for r in rows, c in cols set to value. */
function mask(side: number, ...blocks: { rows: [number, number]; cols: [number, number]; value?: number }[]) {
  const m = new Float32Array(side * side);
  for (const { rows, cols, value = 1 } of blocks) for (let r = rows[0]; r < rows[1]; r++) for (let c = cols[0]; c < cols[1]; c++) m[r * side + c] = value;
  return m;
}
const area = (poly: [number, number][]) =>
  Math.abs(poly.reduce((s, [x, y], i) => s + x * poly[(i + 1) % poly.length]![1] - poly[(i + 1) % poly.length]![0] * y, 0)) / 2;
const bounds = (poly: [number, number][]) => {
  const xs = poly.map((p) => p[0]);
  const ys = poly.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
};

describe("decodeDetections (Detectron2 detector_postprocess)", () => {
  it("scales boxes from image_size [H, W] to the original image", () => {
    const [d] = decodeDetections(outputs([{ box: [10, 20, 110, 220], cls: 1, score: 0.9 }], [1035, 800]), layout4, opts([1275, 1650]));
    expect(d!.classIndex).toBe(1);
    expect(d!.label).toBe("Title");
    expect(d!.score).toBeCloseTo(0.9, 6);
    const [x1, y1, x2, y2] = d!.box;
    expect(x1).toBeCloseTo((10 * 1275) / 800, 4);
    expect(y1).toBeCloseTo((20 * 1650) / 1035, 4);
    expect(x2).toBeCloseTo((110 * 1275) / 800, 4);
    expect(y2).toBeCloseTo((220 * 1650) / 1035, 4);
  });

  it("uses the graph's image_size, falling back to the fed size when it is unusable", () => {
    const rows = [{ box: [10, 10, 20, 20], cls: 0, score: 0.9 }];
    expect(decodeDetections(outputs(rows, [50, 40]), layout4, opts([80, 100]))[0]!.box).toEqual([20, 20, 40, 40]);
    expect(decodeDetections(outputs(rows, [0, 0]), layout4, opts([80, 100], [40, 50]))[0]!.box).toEqual([20, 20, 40, 40]);
  });

  it("clips to the image and drops boxes left empty, keeping the model's order", () => {
    const out = decodeDetections(
      outputs(
        [
          { box: [-5, -1, 50, 2000], cls: 4, score: 0.95 }, // clipped on three sides
          { box: [30, 30, 30, 60], cls: 0, score: 0.94 }, // zero width
          { box: [30, 60, 40, 59], cls: 0, score: 0.93 }, // y2 < y1
          { box: [900, 10, 950, 20], cls: 0, score: 0.92 }, // right of the image: empty once clipped
          { box: [700, 1000, 900, 1100], cls: 2, score: 0.91 }, // partly outside
        ],
        [1035, 800],
      ),
      layout4,
      opts([1600, 2070]),
    );
    expect(out.map((d) => d.box)).toEqual([
      [0, 0, 100, 2070],
      [1400, 2000, 1600, 2070],
    ]);
    expect(out.map((d) => d.label)).toEqual(["Figure", "List"]);
  });

  it("drops detections below the manifest's threshold (a score equal to it stays)", () => {
    const rows = [0.9, 0.6, 0.59999, 0.1].map((score) => ({ box: [0, 0, 10, 10], cls: 0, score }));
    const out = decodeDetections(outputs(rows, [100, 100]), layout4, opts([100, 100], [100, 100], Math.fround(0.6)));
    expect(out.map((d) => d.score)).toEqual([Math.fround(0.9), Math.fround(0.6)]);
  });

  it("names classes outside the label map class_<i>", () => {
    const out = decodeDetections(outputs([{ box: [0, 0, 5, 5], cls: 9, score: 0.9 }, { box: [0, 0, 5, 5], cls: 3, score: 0.8 }], [10, 10]), layout4, opts([10, 10]));
    expect(out.map((d) => [d.classIndex, d.label])).toEqual([
      [9, "class_9"],
      [3, "Table"],
    ]);
  });

  it("handles N = 0 (what a blank page gives)", () => {
    expect(decodeDetections(outputs([], [1035, 800]), layout4, opts([1275, 1650]))).toEqual([]);
    expect(decodeDetections(outputs([], [1035, 800], new Float32Array(0)), layout5, opts([1275, 1650]))).toEqual([]);
  });

  it("outlines masks in the clipped box, in original-image pixels; an empty mask gives null", () => {
    const full = mask(28, { rows: [0, 28], cols: [0, 28] });
    const masks = new Float32Array(2 * 28 * 28);
    masks.set(full, 0); // detection 0: the whole box
    // detection 1: nothing reaches 0.5
    masks.fill(0.3, 28 * 28);
    const out = decodeDetections(
      outputs(
        [
          { box: [-100, 0, 300, 400], cls: 3, score: 0.9 },
          { box: [0, 0, 10, 10], cls: 0, score: 0.8 },
        ],
        [400, 400],
        masks,
      ),
      layout5,
      opts([800, 800], [400, 400]),
    );
    expect(out[0]!.box).toEqual([0, 0, 600, 800]);
    expect(bounds(out[0]!.polygon!)).toEqual([0, 0, 600, 800]);
    expect(out[1]!.polygon).toBeNull();
  });

  it("refuses outputs whose lengths disagree", () => {
    const bad = outputs([{ box: [0, 0, 5, 5], cls: 0, score: 0.9 }], [10, 10]);
    bad[2] = new ort.Tensor("float32", Float32Array.from([0.9, 0.8]), [2]);
    expect(() => decodeDetections(bad, layout4, opts([10, 10]))).toThrow(/Inconsistent model outputs/);
  });
});

describe("maskPolygon", () => {
  it("follows the 0.5 line of a block mask: its edges sit on the block's cell edges", () => {
    // Cells rows 7..20, cols 0..13 of a 28x28 mask in a 28x28 px box: one pixel per cell.
    const poly = maskPolygon(mask(28, { rows: [7, 21], cols: [0, 14] }), 28, [100, 200, 128, 228])!;
    expect(bounds(poly)).toEqual([100, 207, 114, 221]);
    // Marching squares cuts each corner by half a cell diagonally: 14 x 14 minus 4 x 0.125.
    expect(area(poly)).toBeCloseTo(195.5, 5);
  });

  it("scales box cells to pixels on each axis", () => {
    const poly = maskPolygon(mask(28, { rows: [0, 14], cols: [14, 28] }), 28, [0, 0, 280, 560])!;
    expect(bounds(poly)).toEqual([140, 0, 280, 280]);
  });

  it("interpolates the boundary between cell centres", () => {
    // One column of cells at 0.75 next to zeros: the 0.5 crossing is 1/4 cell from the centre towards the zeros.
    const poly = maskPolygon(mask(28, { rows: [0, 28], cols: [0, 1], value: 0.75 }), 28, [0, 0, 28, 28])!;
    const [x1, , x2] = bounds(poly);
    expect(x1).toBeCloseTo(0.5 - 0.25 / 0.75, 1);
    expect(x2).toBeCloseTo(0.5 + 0.25 / 0.75, 1);
  });

  it("outlines the largest component only, and only its outer boundary", () => {
    const m = mask(
      28,
      { rows: [1, 4], cols: [1, 4] }, // small
      { rows: [10, 26], cols: [10, 26] }, // large ring…
      { rows: [14, 22], cols: [14, 22], value: 0 }, // …with a hole
    );
    const poly = maskPolygon(m, 28, [0, 0, 28, 28])!;
    expect(bounds(poly)).toEqual([10, 10, 26, 26]);
    expect(area(poly)).toBeCloseTo(16 * 16 - 0.5, 5); // the hole is not subtracted
  });

  it("separates diagonal neighbours (4-connectivity) and copes with a single cell and other sides", () => {
    const diagonal = mask(28, { rows: [5, 6], cols: [5, 6] }, { rows: [6, 8], cols: [6, 8] });
    expect(bounds(maskPolygon(diagonal, 28, [0, 0, 28, 28])!)).toEqual([6, 6, 8, 8]);
    const single = maskPolygon(mask(14, { rows: [3, 4], cols: [9, 10] }), 14, [0, 0, 14, 14])!;
    expect(single).toHaveLength(4); // a diamond around the cell centre (9.5, 3.5)
    expect(bounds(single)).toEqual([9, 3, 10, 4]);
    expect(maskPolygon(new Float32Array(28 * 28), 28, [0, 0, 1, 1])).toBeNull();
    expect(maskPolygon(new Float32Array(28 * 28).fill(Number.NaN), 28, [0, 0, 1, 1])).toBeNull();
  });
});
