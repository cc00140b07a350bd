import { describe, expect, it } from "vitest";
import { resizeBilinear, rgbaToChw, shortestEdgeSize } from "./preprocess";

const gray = (values: number[]) => Uint8ClampedArray.from(values.flatMap((v) => [v, v, v, 255]));

describe("pre-processing", () => {
  it("sizes pages like ResizeShortestEdge(800, 1333)", () => {
    expect(shortestEdgeSize(1275, 1650, 800, 1333)).toEqual({ width: 800, height: 1035 });
    expect(shortestEdgeSize(612, 792, 800, 1333)).toEqual({ width: 800, height: 1035 });
    expect(shortestEdgeSize(1190, 842, 800, 1333)).toEqual({ width: 1131, height: 800 });
    expect(shortestEdgeSize(612, 2000, 800, 1333)).toEqual({ width: 408, height: 1333 });
  });

  it("resamples like PIL's antialiased bilinear filter, not plain interpolation", () => {
    // PIL: Image.fromarray([[0, 0, 255, 255]]).resize((2, 1), BILINEAR) -> [36, 219]
    const out = resizeBilinear(gray([0, 0, 255, 255]), 4, 1, 2, 1);
    expect([out[0], out[4]]).toEqual([36, 219]);
    const flat = resizeBilinear(gray(Array(30 * 20).fill(123)), 30, 20, 7, 11);
    expect(new Set(flat.filter((_, i) => i % 4 !== 3))).toEqual(new Set([123]));
  });

  it("lays out channels first, in the requested order, with raw 0..255 values", () => {
    const rgba = Uint8ClampedArray.from([10, 20, 30, 255, 40, 50, 60, 255]);
    expect(Array.from(rgbaToChw(rgba, 2, 1, "BGR"))).toEqual([30, 60, 20, 50, 10, 40]);
    expect(Array.from(rgbaToChw(rgba, 2, 1, "RGB"))).toEqual([10, 40, 20, 50, 30, 60]);
  });
});
