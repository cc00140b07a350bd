import { describe, expect, it } from "vitest";
import { displaySize, renderSize } from "./size";

const DETECTRON2 = { type: "shortest-edge", shortestEdge: 800, maxSize: 1333 } as const;

describe("render size", () => {
  it("is Detectron2's ResizeShortestEdge size, so the model input needs no resampling", () => {
    expect(renderSize(612, 792, DETECTRON2, 4_000_000)).toMatchObject({ width: 800, height: 1035, modelWidth: 800, modelHeight: 1035, capped: false });
    expect(renderSize(792, 612, DETECTRON2, 4_000_000)).toMatchObject({ width: 1035, height: 800 });
    expect(renderSize(1190, 842, DETECTRON2, 4_000_000)).toMatchObject({ width: 1131, height: 800 });
    expect(renderSize(612, 4000, DETECTRON2, 4_000_000)).toMatchObject({ width: 204, height: 1333 });
    expect(renderSize(612, 792, DETECTRON2, 4_000_000).scale).toBeCloseTo(800 / 612, 10);
  });

  it("never exceeds the pixel cap, keeping the aspect ratio", () => {
    const big = { type: "shortest-edge", shortestEdge: 5000, maxSize: 9000 } as const;
    for (const [w, h] of [[14400, 14400], [612, 792], [14400, 200], [3, 14400]] as const) {
      const s = renderSize(w, h, big, 1_000_000);
      expect(s.width * s.height).toBeLessThanOrEqual(1_000_000);
      expect(s.width).toBeGreaterThanOrEqual(1);
      expect(s.height).toBeGreaterThanOrEqual(1);
      // One scale for both axes: each side is the page side times it, give or take rounding to a pixel.
      expect(Math.abs(s.width - w * s.scale)).toBeLessThan(1);
      expect(Math.abs(s.height - h * s.scale)).toBeLessThan(1);
    }
    expect(renderSize(14400, 14400, big, 1_000_000)).toMatchObject({ width: 1000, height: 1000, capped: true });
  });

  it("for a fixed-size model, renders at the aspect-true fit and asks for a stretch to the fixed size", () => {
    const fixed = { type: "fixed", width: 800, height: 1035 } as const;
    expect(renderSize(612, 792, fixed, 4_000_000)).toMatchObject({ width: 800, height: 1035, modelWidth: 800, modelHeight: 1035 });
    expect(renderSize(792, 612, fixed, 4_000_000)).toMatchObject({ width: 1035, height: 800, modelWidth: 800, modelHeight: 1035 });
    expect(renderSize(612, 792, { type: "fixed", width: 640, height: 640 }, 4_000_000)).toMatchObject({ width: 495, height: 640, modelWidth: 640, modelHeight: 640 });
  });
});

describe("display size", () => {
  it("is the asked width, aspect kept, and never over the pixel cap", () => {
    expect(displaySize(612, 792, 1600, 4_000_000)).toMatchObject({ width: 1600, height: 2070 });
    expect(displaySize(792, 612, 1600, 4_000_000)).toMatchObject({ width: 1600, height: 1236 });
    const tall = displaySize(612, 4000, 1600, 4_000_000);
    expect(tall.width * tall.height).toBeLessThanOrEqual(4_000_000);
    expect(tall).toMatchObject({ width: 782, height: 5113 });
    expect(displaySize(612, 792, 1600, 4_000_000).scale).toBeCloseTo(1600 / 612, 10);
  });
});
