import { writeFile, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createCanvas, type SKRSContext2D } from "@napi-rs/canvas";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPdf, inkBoxes, standardLayoutPage, type PageSpec } from "../../scripts/fixtures/test-pdf";
import { createRenderer } from "../render/renderer";
import { BASELINE_LABELS, buildBaselineModel } from "./baseline-graph";
import { checkContract } from "./contract";
import { iou } from "../../lib/iou";
import { buildThrowsOnBlankModel } from "./test-models";

type Box = [number, number, number, number];
type Found = { box: Box; label: string | undefined; score: number };

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

async function run(s: ort.InferenceSession, image: Float32Array, width: number, height: number) {
  const out = await s.run({ image: new ort.Tensor("float32", image, [3, height, width]) });
  const [boxes, classes, scores, size] = s.outputNames.map((n) => out[n]!) as [ort.Tensor, ort.Tensor, ort.Tensor, ort.Tensor];
  const b = boxes.data as Float32Array;
  const found: Found[] = Array.from({ length: scores.dims[0]! }, (_, k) => ({
    box: Array.from(b.subarray(k * 4, k * 4 + 4)) as Box,
    label: BASELINE_LABELS[Number((classes.data as BigInt64Array)[k])],
    score: (scores.data as Float32Array)[k]!,
  }));
  return { found, dims: [boxes.dims, classes.dims, scores.dims], size: Array.from(size.data as BigInt64Array, Number) };
}

const bestMatch = (found: Found[], expected: Box) => found.reduce((a, b) => (iou(a.box, expected) >= iou(b.box, expected) ? a : b));

// --- pages drawn directly on a canvas ---

/** A white canvas of the model's input size. */
function page(width: number, height: number) {
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, width, height);
  return { canvas, ctx };
}

/** RGBA canvas pixels -> float32 [3,H,W], BGR, 0..255, as the renderer feeds a Detectron2 graph. */
function toBgrChw(ctx: SKRSContext2D, width: number, height: number): Float32Array {
  const rgba = ctx.getImageData(0, 0, width, height).data;
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) {
    out[p] = rgba[p * 4 + 2]!;
    out[plane + p] = rgba[p * 4 + 1]!;
    out[2 * plane + p] = rgba[p * 4]!;
  }
  return out;
}

/** Bounding box (x1, y1, x2 exclusive, y2 exclusive) of every visibly non-white pixel; null if none. */
function inkBounds(ctx: SKRSContext2D, width: number, height: number): Box | null {
  const rgba = ctx.getImageData(0, 0, width, height).data;
  let [x1, y1, x2, y2] = [width, height, 0, 0];
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const k = (y * width + x) * 4;
      if ((rgba[k]! + rgba[k + 1]! + rgba[k + 2]!) / 3 < 250) [x1, y1, x2, y2] = [Math.min(x1, x), Math.min(y1, y), Math.max(x2, x + 1), Math.max(y2, y + 1)];
    }
  return x2 > x1 ? [x1, y1, x2, y2] : null;
}

const WORDS = "layout analysis finds the blocks of a page such as paragraphs titles figures and tables quickly with simple rules".split(" ");

type Drawn = { kind: "title" | "text" | "figure"; draw: (ctx: SKRSContext2D) => void };

/** Lines of words filling `width` px, `lines` lines, top of the first line's em box at `y`. */
function paragraph(x: number, y: number, width: number, lines: number, seed: number, font = "13px 'Liberation Sans'", leading = 17): Drawn {
  return {
    kind: "text",
    draw(ctx) {
      ctx.font = font;
      ctx.fillStyle = "#111111";
      ctx.textBaseline = "top";
      let w = seed;
      for (let l = 0; l < lines; l++) {
        let line = "";
        for (;;) {
          const next = `${line} ${WORDS[w % WORDS.length]}`.trim();
          if (ctx.measureText(next).width > width) break;
          line = next;
          w++;
        }
        ctx.fillText(line, x, y + l * leading);
      }
    },
  };
}

const title = (x: number, y: number, text: string): Drawn => ({
  kind: "title",
  draw(ctx) {
    ctx.font = "bold 30px 'Liberation Sans'";
    ctx.fillStyle = "#000000";
    ctx.textBaseline = "top";
    ctx.fillText(text, x, y);
  },
});

const figure = (x: number, y: number, w: number, h: number, color: string): Drawn => ({
  kind: "figure",
  draw(ctx) {
    ctx.fillStyle = color;
    ctx.fillRect(x, y, w, h);
    ctx.fillStyle = "#dddddd";
    ctx.fillRect(x + w * 0.1, y + h * 0.2, w * 0.3, h * 0.3);
  },
});

/** Draws the blocks on one page and measures each block's ink by drawing it alone. */
function drawPage(width: number, height: number, blocks: Drawn[]) {
  const full = page(width, height);
  const expected = blocks.map((b) => {
    const alone = page(width, height);
    b.draw(alone.ctx);
    b.draw(full.ctx);
    const box = inkBounds(alone.ctx, width, height);
    if (!box) throw new Error(`block ${b.kind} drew no ink (no font?)`);
    return { kind: b.kind, box };
  });
  return { image: toBgrChw(full.ctx, width, height), expected };
}

// US letter at the 800 px short edge: ~1.31 px/pt. Paragraphs ~16 pt apart, columns ~30 pt (40 px) apart.
const letterPage = () =>
  drawPage(800, 1035, [
    title(94, 70, "Quarterly layout report"),
    paragraph(94, 135, 612, 5, 0),
    figure(200, 250, 400, 220, "#555555"),
    paragraph(94, 495, 612, 3, 5),
    paragraph(94, 580, 286, 6, 9),
    paragraph(94, 708, 286, 4, 2),
    figure(420, 580, 286, 150, "#222222"),
    paragraph(420, 752, 286, 5, 7),
  ]);

const expectedLabel = (kind: string) => (kind === "figure" ? "Figure" : kind === "title" ? "Title" : "Text");

describe("heuristic baseline model", () => {
  it("follows the Detectron2 export contract", () => {
    expect(session.inputNames).toEqual(["image"]);
    expect(session.outputNames).toEqual(["pred_boxes", "pred_classes", "scores", "image_size"]);
    const layout = checkContract(session.inputMetadata, session.outputMetadata);
    expect(layout.staticInput).toBeNull();
    expect(layout.masks).toBeNull();
  });

  it("finds every block drawn on a canvas page (IoU >= 0.8), titles and figures labelled as such", async () => {
    const { image, expected } = letterPage();
    const { found, size } = await run(session, image, 800, 1035);
    expect(size).toEqual([1035, 800]);
    expect(found).toHaveLength(expected.length);
    expect(found.map((f) => f.score)).toEqual(found.map((f) => f.score).sort((a, b) => b - a));
    for (const f of found) expect(f.score).toBeGreaterThan(0.5), expect(f.score).toBeLessThanOrEqual(1);
    expected.forEach(({ kind, box }, k) => {
      const best = bestMatch(found, box);
      expect(iou(best.box, box), `block ${k} (${kind}) expected ${box.join(",")} found ${best.box.join(",")}`).toBeGreaterThanOrEqual(0.8);
      expect(best.label, `block ${k}`).toBe(expectedLabel(kind));
    });
  });

  it("returns no box for an all-white page, with the contract's empty shapes", async () => {
    const { ctx } = page(800, 1035);
    const { dims, size } = await run(session, toBgrChw(ctx, 800, 1035), 800, 1035);
    expect(dims).toEqual([[0, 4], [0], [0]]);
    expect(size).toEqual([1035, 800]);
  });

  it("works on a 1333 x 800 landscape input", async () => {
    const { image, expected } = drawPage(1333, 800, [figure(100, 120, 520, 380, "#444444"), paragraph(700, 140, 560, 8, 3), title(700, 60, "Landscape")]);
    const { found, size } = await run(session, image, 1333, 800);
    expect(size).toEqual([800, 1333]);
    expect(found).toHaveLength(3);
    for (const { kind, box } of expected) {
      const best = bestMatch(found, box);
      expect(iou(best.box, box), kind).toBeGreaterThanOrEqual(0.8);
      expect(best.label).toBe(expectedLabel(kind));
    }
  });

  it("keeps boxes inside the image when ink touches the edges", async () => {
    const { image } = drawPage(300, 200, [figure(0, 0, 120, 80, "#000000"), figure(200, 150, 100, 50, "#000000")]);
    const { found } = await run(session, image, 300, 200);
    expect(found.map((f) => f.box).sort((a, b) => a[0] - b[0])).toEqual([
      [0, 0, 120, 80],
      [200, 150, 300, 200],
    ]);
  });

  it("the throws-on-blank test double raises on a white page and finds blocks on a page with ink", async () => {
    const failing = await ort.InferenceSession.create(buildThrowsOnBlankModel(), { logSeverityLevel: 4 }); // the raise is expected: keep it out of the log
    try {
      expect(failing.outputNames).toEqual(["pred_boxes", "pred_classes", "scores", "image_size"]);
      await expect(run(failing, toBgrChw(page(800, 1035).ctx, 800, 1035), 800, 1035)).rejects.toThrow();
      const { image } = letterPage();
      const { found } = await run(failing, image, 800, 1035);
      expect(found.length).toBeGreaterThan(0);
    } finally {
      await failing.release();
    }
  });

  // The same through the real pipeline: PDF fixtures rendered by pdf.js at the model's input size.
  async function detectPdf(spec: PageSpec) {
    const file = path.join(dir, `${Math.random()}.pdf`);
    await writeFile(file, buildPdf([spec]));
    const rendered = await renderer.render({ pdfPath: file, pageNumber: 1, resize: { type: "shortest-edge", shortestEdge: 800, maxSize: 1333 }, inputFormat: "BGR", imageFormat: "png" });
    const result = await run(session, Float32Array.from(rendered.modelInput), rendered.modelWidth, rendered.modelHeight);
    return { ...result, scale: rendered.modelWidth / (spec.width ?? 612) };
  }

  it.each([0, 1, 2])("finds every block of rendered PDF layout %i (IoU >= 0.8)", async (index) => {
    const spec = standardLayoutPage(index);
    const { found, scale, size } = await detectPdf(spec);
    expect(size).toEqual([1035, 800]);
    expect(found).toHaveLength(spec.blocks!.length);
    inkBoxes(spec).forEach((ink, k) => {
      const expected: Box = [ink.x1 * scale, ink.y1 * scale, ink.x2 * scale, ink.y2 * scale];
      const best = bestMatch(found, expected);
      const kind = spec.blocks![k]!.kind;
      expect(iou(best.box, expected), `block ${k} (${kind})`).toBeGreaterThanOrEqual(0.8);
      expect(best.label).toBe(expectedLabel(kind));
    });
  });

  it("returns no box for a rendered blank PDF page", async () => {
    const { dims, size } = await detectPdf({ width: 612, height: 792, blocks: [] });
    expect(dims).toEqual([[0, 4], [0], [0]]);
    expect(size).toEqual([1035, 800]);
  });

  it("works on a rendered landscape PDF page (long edge capped at 1333)", async () => {
    const spec: PageSpec = { width: 1190, height: 842, blocks: [{ kind: "figure", x: 100, y: 100, width: 400, height: 300 }, { kind: "text", x: 600, y: 120, width: 450, height: 200 }] };
    const { found, size, scale } = await detectPdf(spec);
    expect(size).toEqual([800, 1131]);
    expect(found.map((f) => f.label).sort()).toEqual(["Figure", "Text"]);
    const fig = found.find((f) => f.label === "Figure")!;
    expect(iou(fig.box, [100 * scale, 100 * scale, 500 * scale, 400 * scale])).toBeGreaterThan(0.9);
  });
});
