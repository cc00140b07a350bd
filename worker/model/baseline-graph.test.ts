import { writeFile, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPdf, inkBoxes, standardLayoutPage, type PageSpec } from "../../scripts/fixtures/test-pdf";
import { createRenderer } from "../render/renderer";
import { BASELINE_LABELS, buildBaselineModel } from "./baseline-graph";
import { checkContract } from "./contract";
import { iou } from "./iou";

const renderer = createRenderer({ timeoutMs: 20_000, maxPixels: 4_000_000 });
let session: ort.InferenceSession;
let dir: string;

beforeAll(async () => {
  session = await ort.InferenceSession.create(buildBaselineModel());
  dir = await mkdtemp(path.join(os.tmpdir(), "pagewise-baseline-"));
});
afterAll(async () => {
  await renderer.close();
  await session.release();
  await rm(dir, { recursive: true, force: true });
});

async function detect(spec: PageSpec) {
  const file = path.join(dir, `${Math.random()}.pdf`);
  await writeFile(file, buildPdf([spec]));
  const page = await renderer.render({ pdfPath: file, pageNumber: 1, resize: { type: "shortest-edge", shortestEdge: 800, maxSize: 1333 }, inputFormat: "BGR", imageFormat: "png" });
  const out = await session.run({ image: new ort.Tensor("float32", page.modelInput, [3, page.modelHeight, page.modelWidth]) });
  const [boxes, classes, scores, size] = session.outputNames.map((n) => out[n]!);
  const n = scores!.dims[0]!;
  const scale = page.modelWidth / (spec.width ?? 612);
  return {
    page,
    scale,
    size: Array.from(size!.data as BigInt64Array, Number),
    dims: [boxes!.dims, classes!.dims, scores!.dims],
    scores: Array.from(scores!.data as Float32Array),
    found: Array.from({ length: n }, (_, k) => ({
      box: Array.from((boxes!.data as Float32Array).subarray(k * 4, k * 4 + 4)) as [number, number, number, number],
      label: BASELINE_LABELS[Number((classes!.data as BigInt64Array)[k])],
    })),
  };
}

describe("heuristic baseline model", () => {
  it("follows the Detectron2 export contract", () => {
    expect(session.inputNames).toEqual(["image"]);
    expect(session.outputNames).toEqual(["pred_boxes", "pred_classes", "scores", "image_size"]);
    const layout = checkContract(session.inputMetadata, session.outputMetadata);
    expect(layout.staticInput).toBeNull();
    expect(layout.masks).toBeNull();
  });

  it("finds every block of a generated page (IoU >= 0.8) with the right class for title and figure", async () => {
    const spec = standardLayoutPage();
    const { found, scale, scores, size } = await detect(spec);
    expect(size).toEqual([1035, 800]);
    expect(found).toHaveLength(spec.blocks!.length);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    inkBoxes(spec).forEach((ink, k) => {
      const expected: [number, number, number, number] = [ink.x1 * scale, ink.y1 * scale, ink.x2 * scale, ink.y2 * scale];
      const best = found.reduce((a, b) => (iou(a.box, expected) >= iou(b.box, expected) ? a : b));
      expect(iou(best.box, expected), `block ${k} (${spec.blocks![k]!.kind})`).toBeGreaterThanOrEqual(0.8);
      const kind = spec.blocks![k]!.kind;
      expect(best.label).toBe(kind === "figure" ? "Figure" : kind === "title" ? "Title" : "Text");
    });
  });

  it("returns no box for a blank page, with the contract's empty shapes", async () => {
    const { dims, size } = await detect({ width: 612, height: 792, blocks: [] });
    expect(dims).toEqual([[0, 4], [0], [0]]);
    expect(size).toEqual([1035, 800]);
  });

  it("works on a landscape page (long edge capped at 1333)", async () => {
    const spec: PageSpec = { width: 1190, height: 842, blocks: [{ kind: "figure", x: 100, y: 100, width: 400, height: 300 }, { kind: "text", x: 600, y: 120, width: 450, height: 200 }] };
    const { found, size, scale } = await detect(spec);
    expect(size).toEqual([800, 1131]);
    expect(found.map((f) => f.label).sort()).toEqual(["Figure", "Text"]);
    const fig = found.find((f) => f.label === "Figure")!;
    expect(iou(fig.box, [100 * scale, 100 * scale, 500 * scale, 400 * scale])).toBeGreaterThan(0.9);
  });
});
