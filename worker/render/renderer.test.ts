import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { loadImage } from "@napi-rs/canvas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAppError } from "../../lib/errors";
import { decodeImage } from "../../scripts/fixtures/decode-image";
import {
  blankPage,
  buildDocument,
  buildPdf,
  displayedInkBoxes,
  encryptedPdf,
  hugeMediaBoxPage,
  imageOnlyPdf,
  notAPdf,
  slowPage,
  standardLayoutPage,
  truncatedPdf,
  zeroPagePdf,
  type Box,
  type PageSpec,
} from "../../scripts/fixtures/test-pdf";
import { createRenderer, type RenderedPage, type RenderRequest } from "./renderer";

/** Real pdf.js in a real worker thread, real canvas: no mocks. */
const SHORTEST_EDGE = { type: "shortest-edge", shortestEdge: 800, maxSize: 1333 } as const;
const renderer = createRenderer({ timeoutMs: 30_000, maxPixels: 4_000_000 });
let dir: string;
let n = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "pagewise-renderer-"));
});
afterAll(async () => {
  await renderer.close();
  await rm(dir, { recursive: true, force: true });
});

async function save(bytes: Uint8Array): Promise<string> {
  const file = path.join(dir, `doc-${n++}.pdf`);
  await writeFile(file, bytes);
  return file;
}

const request = (pdfPath: string, pageNumber = 1, extra: Partial<RenderRequest> = {}): RenderRequest => ({
  pdfPath,
  pageNumber,
  resize: SHORTEST_EDGE,
  inputFormat: "BGR",
  imageFormat: "png",
  ...extra,
});

/** The AppError a promise rejects with (or fails the test). */
async function appError(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

/** Mean of the three channels of the model input, i.e. a gray image of modelWidth x modelHeight. */
function grayOf(page: RenderedPage): Uint8Array {
  const plane = page.modelWidth * page.modelHeight;
  const gray = new Uint8Array(plane);
  for (let p = 0; p < plane; p++) gray[p] = Math.round((page.modelInput[p]! + page.modelInput[plane + p]! + page.modelInput[2 * plane + p]!) / 3);
  return gray;
}

/** Over the rows both images have (same width). */
function meanGreyDifference(a: Uint8ClampedArray, b: Uint8ClampedArray): number {
  const length = Math.min(a.length, b.length);
  let sum = 0;
  for (let i = 0; i < length; i += 4) sum += Math.abs((a[i]! + a[i + 1]! + a[i + 2]!) / 3 - (b[i]! + b[i + 1]! + b[i + 2]!) / 3);
  return sum / (length / 4);
}

/** Bounding box (pixels) of dark pixels inside a pixel region. */
function darkBox(gray: Uint8Array, width: number, height: number, region: Box): Box | null {
  let found: Box | null = null;
  for (let y = Math.max(0, Math.floor(region.y1)); y < Math.min(height, Math.ceil(region.y2)); y++) {
    for (let x = Math.max(0, Math.floor(region.x1)); x < Math.min(width, Math.ceil(region.x2)); x++) {
      if (gray[y * width + x]! >= 160) continue;
      found = found ? { x1: Math.min(found.x1, x), y1: Math.min(found.y1, y), x2: Math.max(found.x2, x + 1), y2: Math.max(found.y2, y + 1) } : { x1: x, y1: y, x2: x + 1, y2: y + 1 };
    }
  }
  return found;
}

const scaleBox = (b: Box, s: number): Box => ({ x1: b.x1 * s, y1: b.y1 * s, x2: b.x2 * s, y2: b.y2 * s });
const grow = (b: Box, by: number): Box => ({ x1: b.x1 - by, y1: b.y1 - by, x2: b.x2 + by, y2: b.y2 + by });

/** Each block's ink is where the fixture says (within 4 px), and the rest of the page is white. */
function expectInkWhereSaid(page: RenderedPage, spec: PageSpec) {
  const gray = grayOf(page);
  const { modelWidth: w, modelHeight: h } = page;
  const scale = w / page.widthPt;
  const expected = displayedInkBoxes(spec).map((b) => scaleBox(b, scale));
  expected.forEach((ink, k) => {
    const got = darkBox(gray, w, h, grow(ink, 10));
    expect(got, `block ${k} has ink`).not.toBeNull();
    for (const side of ["x1", "y1", "x2", "y2"] as const) expect(Math.abs(got![side] - ink[side]), `block ${k} ${side}`).toBeLessThanOrEqual(4);
  });
  let stray = 0;
  let white = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const inside = expected.some((b) => x + 0.5 >= b.x1 - 2 && x + 0.5 <= b.x2 + 2 && y + 0.5 >= b.y1 - 2 && y + 0.5 <= b.y2 + 2);
      if (inside) continue;
      const v = gray[y * w + x]!;
      if (v < 160) stray++;
      if (v === 255) white++;
    }
  }
  expect(stray).toBe(0);
  // Outside the blocks the page is paper white (the canvas is filled before pdf.js draws).
  const outside = w * h - expected.reduce((a, b) => a + (b.x2 - b.x1 + 4) * (b.y2 - b.y1 + 4), 0);
  expect(white / outside).toBeGreaterThan(0.99);
}

describe("page renderer", () => {
  it("renders a letter page straight at the model size (800 x 1035), with the image for the viewer", async () => {
    const file = await save(buildDocument(2));
    expect(await renderer.open(file)).toEqual({ pageCount: 2, format: "pdf" });
    const page = await renderer.render(request(file, 1));
    expect(page).toMatchObject({ pageNumber: 1, widthPt: 612, heightPt: 792, rotation: 0, imageWidth: 800, imageHeight: 1035, modelWidth: 800, modelHeight: 1035 });
    expect(page.modelInput).toBeInstanceOf(Uint8Array);
    expect(page.modelInput.length).toBe(3 * 800 * 1035);
    expect(Math.max(...page.modelInput.subarray(0, 5000))).toBeLessThanOrEqual(255);
    expect(page.renderMs).toBeGreaterThan(0);
    expect(page.encodeMs).toBeGreaterThan(0);
    const png = await loadImage(Buffer.from(page.image));
    expect([png.width, png.height]).toEqual([800, 1035]);
    expect(Buffer.from(page.image.subarray(0, 8)).toString("hex")).toBe("89504e470d0a1a0a");
  });

  it.each([0, 1, 2])("puts the ink of standard page %i where the blocks are, white elsewhere", async (index) => {
    const spec = standardLayoutPage(index);
    const page = await renderer.render(request(await save(buildPdf([spec]))));
    expectInkWhereSaid(page, spec);
  });

  it("draws the viewer's image at its own width (JPEG), apart from the model input, capped by the pixel limit", async () => {
    const file = await save(buildPdf([standardLayoutPage(), { ...standardLayoutPage(), rotate: 90 }]));
    const page = await renderer.render(request(file, 1, { imageFormat: "jpeg", displayWidth: 1600 }));
    expect(page).toMatchObject({ imageWidth: 1600, imageHeight: 2070, modelWidth: 800, modelHeight: 1035 });
    expect(page.modelInput.length).toBe(3 * 800 * 1035);
    expect(page.displayMs).toBeGreaterThan(0);
    expect(Buffer.from(page.image.subarray(0, 3)).toString("hex")).toBe("ffd8ff");
    const jpeg = await loadImage(Buffer.from(page.image));
    expect([jpeg.width, jpeg.height]).toEqual([1600, 2070]);
    // The same page as the model saw it: the detections, normalised, fall on the same ink.
    expect(grayOf(page)[1035 * 400 + 400]).toBe(grayOf(await renderer.render(request(file, 1)))[1035 * 400 + 400]);

    const turned = await renderer.render(request(file, 2, { imageFormat: "jpeg", displayWidth: 1600 }));
    expect([turned.imageWidth, turned.imageHeight]).toEqual([1600, 1236]);

    const small = createRenderer({ timeoutMs: 30_000, maxPixels: 2_000_000 });
    try {
      const capped = await small.render(request(file, 1, { imageFormat: "jpeg", displayWidth: 1600 }));
      expect(capped.imageWidth * capped.imageHeight).toBeLessThanOrEqual(2_000_000);
      expect(capped.imageWidth).toBe(1243);
      expect([capped.modelWidth, capped.modelHeight]).toEqual([800, 1035]);
    } finally {
      await small.close();
    }
    // Not wider than the model's render: that render is the image.
    const same = await renderer.render(request(file, 1, { imageFormat: "jpeg", displayWidth: 640 }));
    expect(same).toMatchObject({ imageWidth: 800, imageHeight: 1035, displayMs: 0 });
  });

  it("replays an all-vector page's drawing at the viewer's size (the pixels of drawing it there); a scanned page is drawn again", async () => {
    // Thin stripes at 4 image pixels a point: pdf.js halves such an image before drawing it at the model's size.
    const [w, h] = [2448, 3168];
    const stripes = new Uint8Array(w * h).map((_, i) => ((i % w) >> 1) % 2 ? 0 : 255);
    const scan = await save(imageOnlyPdf([{ widthPt: 612, heightPt: 792, width: w, height: h, encoding: "gray", pixels: stripes }]));
    const vector = await save(buildPdf([standardLayoutPage(1)]));
    // Drawn straight at 1600 px: the model's own render at that size is the image.
    const atViewerSize = { resize: { type: "shortest-edge", shortestEdge: 1600, maxSize: 2100 }, imageFormat: "png" } as const;
    for (const [file, replayed] of [[vector, true], [scan, false]] as const) {
      const page = await renderer.render(request(file, 1, { imageFormat: "png", displayWidth: 1600 }));
      expect(page.displayReplayed).toBe(replayed);
      const direct = await renderer.render(request(file, 1, atViewerSize));
      // Rounded there, floored here: one row apart at most.
      expect(direct.imageWidth).toBe(page.imageWidth);
      expect(Math.abs(direct.imageHeight - page.imageHeight)).toBeLessThanOrEqual(1);
      // Played back from a bitmap, the vector page would differ by ~6 grey levels a pixel and the scan by ~30.
      expect(meanGreyDifference((await decodeImage(page.image)).rgba, (await decodeImage(direct.image)).rgba)).toBeLessThan(0.5);
    }
  });

  it("renders page after page of one document, as WebP", async () => {
    const file = await save(buildDocument(4, { blankEvery: 4 }));
    for (let p = 1; p <= 4; p++) {
      const page = await renderer.render(request(file, p, { imageFormat: "webp" }));
      expect(Buffer.from(page.image.subarray(0, 4)).toString("latin1")).toBe("RIFF");
      expect(Buffer.from(page.image.subarray(8, 12)).toString("latin1")).toBe("WEBP");
      const img = await loadImage(Buffer.from(page.image));
      expect([img.width, img.height]).toEqual([800, 1035]);
      if (p === 4) expect(page.modelInput.every((v) => v === 255)).toBe(true);
    }
  });

  it("a rotated page comes out turned (1035 x 800), ink where a reader shows it; crop box respected", async () => {
    const spec: PageSpec = { ...standardLayoutPage(1), rotate: 90 };
    const page = await renderer.render(request(await save(buildPdf([spec]))));
    expect(page).toMatchObject({ widthPt: 792, heightPt: 612, rotation: 90, imageWidth: 1035, imageHeight: 800 });
    expectInkWhereSaid(page, spec);

    const cropped: PageSpec = { ...standardLayoutPage(), rotate: 270, cropBox: { x: 36, y: 40, width: 540, height: 700 } };
    const c = await renderer.render(request(await save(buildPdf([cropped]))));
    // 540 x 700 turned: 700 x 540 pt; shortest edge 540 -> 800, so 700 pt -> floor(1037.04 + 0.5).
    expect(c).toMatchObject({ widthPt: 700, heightPt: 540, rotation: 270, imageWidth: 1037, imageHeight: 800 });
    expectInkWhereSaid(c, cropped);
  });

  it("a landscape A4 page keeps its long edge at most 1333", async () => {
    const page = await renderer.render(request(await save(buildPdf([{ width: 1190, height: 842, blocks: [] }]))));
    expect([page.imageWidth, page.imageHeight]).toEqual([1131, 800]);
    const tall = await renderer.render(request(await save(buildPdf([{ width: 612, height: 4000, blocks: [] }]))));
    expect([tall.imageWidth, tall.imageHeight]).toEqual([204, 1333]);
  });

  it("gives the channels in the order asked for", async () => {
    // A pure red square: BGR puts 0 first and 255 last, RGB the other way round.
    const file = await save(buildPdf([{ ...blankPage(), extraContent: "1 0 0 rg 0 0 612 792 re f" }]));
    const plane = 800 * 1035;
    const bgr = await renderer.render(request(file, 1, { inputFormat: "BGR" }));
    const rgb = await renderer.render(request(file, 1, { inputFormat: "RGB" }));
    const at = (page: RenderedPage, c: number) => page.modelInput[c * plane + 1035 * 400 + 400];
    expect([at(bgr, 0), at(bgr, 1), at(bgr, 2)]).toEqual([0, 0, 255]);
    expect([at(rgb, 0), at(rgb, 1), at(rgb, 2)]).toEqual([255, 0, 0]);
  });

  it("a fixed-size model gets exactly its size, stretched from an aspect-true render", async () => {
    const landscape = await save(buildPdf([{ width: 792, height: 612, blocks: [{ kind: "figure", x: 0, y: 0, width: 396, height: 612 }] }]));
    const page = await renderer.render(request(landscape, 1, { resize: { type: "fixed", width: 800, height: 1035 } }));
    expect(page).toMatchObject({ imageWidth: 1035, imageHeight: 800, modelWidth: 800, modelHeight: 1035 });
    expect(page.modelInput.length).toBe(3 * 800 * 1035);
    // The left half is the gray figure, the right half white, stretched but not moved.
    const gray = grayOf(page);
    expect(gray[500 * 800 + 40]).toBeLessThan(120);
    expect(gray[500 * 800 + 600]).toBe(255);
  });

  it("keeps an enormous page (14400 pt square) under the pixel cap", async () => {
    const file = await save(buildPdf([hugeMediaBoxPage()]));
    const page = await renderer.render(request(file));
    expect(page).toMatchObject({ widthPt: 14400, heightPt: 14400, imageWidth: 800, imageHeight: 800 });
    const small = createRenderer({ timeoutMs: 30_000, maxPixels: 200_000 });
    try {
      const capped = await small.render(request(file, 1, { resize: { type: "shortest-edge", shortestEdge: 2000, maxSize: 4000 } }));
      expect(capped.imageWidth * capped.imageHeight).toBeLessThanOrEqual(200_000);
      expect(capped.imageWidth).toBeGreaterThan(440);
      expect([capped.modelWidth, capped.modelHeight]).toEqual([capped.imageWidth, capped.imageHeight]);
      // The figure (1000..6000 pt of 14400) is still where it belongs.
      const gray = grayOf(capped);
      const at = (pt: number) => Math.floor((pt / 14400) * capped.imageWidth);
      expect(gray[at(3000) * capped.imageWidth + at(1500)]).toBeLessThan(120);
      expect(gray[at(8000) * capped.imageWidth + at(8000)]).toBe(255);
    } finally {
      await small.close();
    }
  });

  it("re-reads a file written again at the same path", async () => {
    const file = path.join(dir, "same-path.pdf");
    await writeFile(file, buildDocument(1));
    expect(await renderer.open(file)).toEqual({ pageCount: 1, format: "pdf" });
    await writeFile(file, buildDocument(3));
    expect(await renderer.open(file)).toEqual({ pageCount: 3, format: "pdf" });
  });
});

describe("page renderer faults", () => {
  it("names broken, locked and empty PDFs with their codes and words a user understands", async () => {
    const truncated = await appError(renderer.open(await save(truncatedPdf())));
    expect(truncated).toMatchObject({ code: "pdf_invalid" });
    expect(truncated.userMessage).toMatch(/^The file is not a valid PDF \(.+\)\.$/);

    const html = await appError(renderer.render(request(await save(notAPdf()))));
    expect(html).toMatchObject({ code: "pdf_invalid", userMessage: "The file is not a valid PDF (Invalid PDF structure)." });

    for (const bits of [40, 128] as const) {
      const locked = await appError(renderer.open(await save(encryptedPdf({ bits }))));
      expect(locked).toMatchObject({ code: "pdf_encrypted" });
      expect(locked.userMessage).toMatch(/^The PDF is password-protected/);
    }

    const empty = await save(zeroPagePdf());
    expect(await appError(renderer.open(empty))).toMatchObject({ code: "pdf_no_pages", userMessage: "The PDF has no pages." });
    expect(await appError(renderer.render(request(empty)))).toMatchObject({ code: "pdf_no_pages" });

    const two = await save(buildDocument(2));
    const missing = await appError(renderer.render(request(two, 3)));
    expect(missing).toMatchObject({ code: "render_failed", userMessage: "The PDF has only 2 pages; page 3 does not exist." });
  });

  it("a file that is not there is our problem, not the user's: a plain error (retried), not an AppError", async () => {
    const error = await renderer.open(path.join(dir, "nope.pdf")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(isAppError(error)).toBe(false);
    // And the renderer goes on.
    expect(await renderer.open(await save(buildDocument(1)))).toEqual({ pageCount: 1, format: "pdf" });
  });

  it("stops a page that renders too long at the time limit, and renders the next page afterwards", async () => {
    const limited = createRenderer({ timeoutMs: 2500, maxPixels: 4_000_000 });
    try {
      const file = await save(buildPdf([standardLayoutPage(), slowPage(250_000), standardLayoutPage(2)]));
      expect((await limited.render(request(file, 1))).imageWidth).toBe(800);
      const started = performance.now();
      const error = await appError(limited.render(request(file, 2)));
      const elapsed = performance.now() - started;
      expect(error).toMatchObject({ code: "render_timeout", userMessage: "Page 2 took longer than 2.5 s to render, so it was skipped." });
      expect(elapsed).toBeGreaterThanOrEqual(2400);
      expect(elapsed).toBeLessThan(2500 + 5000); // the thread was stopped, not waited for
      // A fresh thread takes the next page of the same document.
      const next = await limited.render(request(file, 3));
      expect(next).toMatchObject({ pageNumber: 3, imageWidth: 800, imageHeight: 1035 });
      expectInkWhereSaid(next, standardLayoutPage(2));
    } finally {
      await limited.close();
    }
  });

  it("a page that exhausts the thread's memory kills only the thread; the next call works", async () => {
    const tight = createRenderer({ timeoutMs: 60_000, maxPixels: 4_000_000, threadHeapMb: 40 });
    try {
      // ~400,000 operations: pdf.js's operator list for them does not fit in 40 MiB of heap.
      const file = await save(buildPdf([standardLayoutPage(), slowPage(400_000)]));
      const error = await appError(tight.render(request(file, 2)));
      expect(error).toMatchObject({ code: "render_failed", userMessage: "Page 2 needed more memory than the renderer may use, so it was skipped." });
      expect((await tight.render(request(file, 1))).imageWidth).toBe(800);
    } finally {
      await tight.close();
    }
  });

  it("calls made at once run one after another, each answered", async () => {
    const file = await save(buildDocument(3));
    const pages = await Promise.all([1, 2, 3, 1].map((p) => renderer.render(request(file, p))));
    expect(pages.map((p) => p.pageNumber)).toEqual([1, 2, 3, 1]);
  });
});

describe("render thread under tsx's loader", () => {
  it("works too (the fallback where Node cannot strip types itself)", { timeout: 120_000 }, async () => {
    const viaTsx = createRenderer({ timeoutMs: 30_000, maxPixels: 4_000_000, loader: "tsx" });
    try {
      const page = await viaTsx.render(request(await save(buildDocument(1))));
      expect([page.imageWidth, page.imageHeight]).toEqual([800, 1035]);
    } finally {
      await viaTsx.close();
    }
  });
});
