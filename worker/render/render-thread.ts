/**
 * Runs inside a worker thread: pdf.js (legacy build, the one meant for Node) drawing on @napi-rs/canvas.
 * The main thread terminates this thread when a page hangs, which no promise could ever stop.
 */
import { createCanvas, type Canvas } from "@napi-rs/canvas";
import { readFile, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { parentPort } from "node:worker_threads";
import { getDocument, type PDFDocumentProxy, type PDFPageProxy } from "pdfjs-dist/legacy/build/pdf.mjs";
import type { DocumentInitParameters } from "pdfjs-dist/types/src/display/api";
import { freeNow } from "../free-buffer";
import { resizeBilinear, rgbaToChw } from "../model/preprocess";
import { classify, noPages, PageRangeError } from "./classify";
import { encodeJpeg } from "./encode-jpeg";
import { readPageText } from "./page-text";
import { watchVectorOnly } from "./vector-only";
import { ImageError, imageFileKind, openImageFile, renderImagePage } from "./image-page";
import type { RenderedPage, RenderRequest, ThreadReady, ThreadRequest, ThreadResponse } from "./protocol";
import { displaySize, renderSize } from "./size";

const require = createRequire(import.meta.url);
const pdfjsRoot = path.dirname(require.resolve("pdfjs-dist/package.json"));
// pdf.js reads these with fs in Node; its factories insist on a trailing separator.
const assetDir = (name: string) => path.join(pdfjsRoot, name) + path.sep;

const documentOptions: DocumentInitParameters & { isEvalSupported?: boolean } = {
  // CVE-2024-4367. pdf.js 5+ no longer compiles fonts or functions to JS and ignores this option; kept so
  // that a downgrade to an affected version stays safe.
  isEvalSupported: false,
  standardFontDataUrl: assetDir("standard_fonts"),
  cMapUrl: assetDir("cmaps"),
  cMapPacked: true,
  wasmUrl: assetDir("wasm"),
  iccUrl: assetDir("iccs"),
  // No DOM: glyphs are drawn as paths from the font programs (or the bundled standard fonts), never
  // looked up among whatever fonts the host has installed.
  disableFontFace: true,
  useSystemFonts: false,
  // Scripts, forms and XFA are of no use for rendering a page image.
  enableXfa: false,
  verbosity: 0,
};

// In Node pdf.js runs its "worker" in this same thread and imports it on the first getDocument; loading it
// now, before this thread says it is ready, keeps that out of the first page's time limit.
const workerModule = "pdfjs-dist/legacy/build/pdf.worker.mjs";
(globalThis as { pdfjsWorker?: unknown }).pdfjsWorker = { WorkerMessageHandler: (await import(workerModule)).WorkerMessageHandler };

let current: { key: string; doc: PDFDocumentProxy } | null = null;

/** The document at `pdfPath`, parsed once and kept while pages of it are rendered. */
async function open(pdfPath: string): Promise<PDFDocumentProxy> {
  const info = await stat(pdfPath);
  // The same path may be written again with another file (a re-download): size and mtime tell them apart.
  const key = `${pdfPath}\0${info.size}\0${info.mtimeMs}`;
  if (current?.key === key) return current.doc;
  if (current) {
    const old = current.doc;
    current = null;
    await old.loadingTask.destroy();
  }
  // pdf.js refuses a Buffer; a plain view of the same memory (whole buffer) is taken without a copy.
  const file = await readFile(pdfPath);
  const data = new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
  const doc = await getDocument({ ...documentOptions, data }).promise;
  current = { key, doc };
  return doc;
}

/** What the current request is doing, for the error it may end with. */
let stage: "open" | "page" = "open";

// One canvas for every page: a new Skia surface per page is native memory the thread's GC does not see
// as pressure, so RSS would climb page after page.
// The viewer's image, when it is drawn at its own size, has a second one; a TIFF frame is drawn at full
// size on a third before it is scaled.
const reusable: { model: Canvas | null; display: Canvas | null; source: Canvas | null } = { model: null, display: null, source: null };
function surface(width: number, height: number, slot: keyof typeof reusable = "model"): Canvas {
  let canvas = reusable[slot];
  if (!canvas) canvas = reusable[slot] = createCanvas(width, height);
  else if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  return canvas;
}

/**
 * Between pages the surfaces go back to 1x1: the viewer's 1600 px image is 13 MB of pixels, the model's 3.3 MB (a
 * 600 dpi TIFF frame far more). Kept for the next draw they sat through every inference's peak, while a page is
 * drawn at the start of the other page's inference, well before its peak: static int8 R50-FPN over 200 pages
 * (`npm run bench`), worker peak 417 MiB kept, 398-407 MiB given back. Allocating them again is a few page faults.
 */
function shrinkSurfaces(): void {
  for (const slot of ["model", "display", "source"] as const) {
    const canvas = reusable[slot];
    if (canvas) shrink(canvas);
  }
}

function shrink(canvas: Canvas): void {
  if (canvas.width > 1 || canvas.height > 1) {
    canvas.width = 1;
    canvas.height = 1;
  }
}

/** The canvas's context, the whole surface painted white first. */
function blank(canvas: Canvas): ReturnType<Canvas["getContext"]> {
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  return ctx;
}

/** Draws the page; true when it drew nothing rasterised at this scale, so the drawing can be replayed at another (vector-only.ts). */
async function draw(page: PDFPageProxy, canvas: Canvas, scale: number): Promise<boolean> {
  blank(canvas);
  const watch = watchVectorOnly(page);
  await page.render({
    canvas: canvas as unknown as HTMLCanvasElement,
    viewport: page.getViewport({ scale }),
    background: "#ffffff",
    operationsFilter: watch.filter,
  }).promise;
  return watch.vector;
}

/** `from`'s recorded drawing played back `factor` times larger on `to`: paths and glyphs stay sharp. */
function replay(from: Canvas, to: Canvas, factor: number): void {
  blank(to).drawCanvas(from, 0, 0, from.width * factor, from.height * factor);
}

/**
 * The encoded image in a buffer of its own, so it can be transferred to the worker's main thread. The canvas is
 * not drawn on or read after this (callers have their pixels already).
 */
async function encode(canvas: Canvas, format: RenderRequest["imageFormat"]): Promise<Uint8Array> {
  if (format === "jpeg") {
    const jpeg = encodeJpeg(canvas, JPEG_QUALITY);
    // encodeJpeg has copied the pixels before it returns, so the surface (the viewer's: 13 MB) can go back while
    // libjpeg-turbo compresses; Skia's WebP and PNG encoders read the surface itself on libuv's pool.
    shrink(canvas);
    return jpeg;
  }
  const encoded = await (format === "png" ? canvas.encode("png") : canvas.encode(format, WEBP_QUALITY));
  // Skia's buffer lives outside the JS heap and cannot be transferred: one copy, which can be.
  const image = new Uint8Array(encoded);
  freeNow(encoded);
  return image;
}
/** libwebp at 85 costs ~5x libjpeg-turbo at 88 per pixel (scripts/bench-render.ts); at twice the model's width the JPEG is the one that fits. */
const WEBP_QUALITY = 85;
const JPEG_QUALITY = 88;

async function render(req: RenderRequest, maxPixels: number): Promise<RenderedPage> {
  const started = performance.now();
  const doc = await open(req.pdfPath);
  stage = "page";
  if (req.pageNumber < 1 || req.pageNumber > doc.numPages || !Number.isInteger(req.pageNumber)) {
    throw new PageRangeError(req.pageNumber, doc.numPages);
  }
  const page = await doc.getPage(req.pageNumber);
  let canvas: Canvas | null = null;
  try {
    const unit = page.getViewport({ scale: 1 });
    const size = renderSize(unit.width, unit.height, req.resize, maxPixels);
    canvas = surface(size.width, size.height);
    const vector = await draw(page, canvas, size.scale);
    const rgba = canvas.getContext("2d").getImageData(0, 0, size.width, size.height).data;
    const renderMs = performance.now() - started;

    // The viewer's image at its own size: the model's drawing replayed larger when it is all vector, else drawn
    // again from the operator list pdf.js keeps for the page (rasterised again, not parsed).
    const displayStarted = performance.now();
    const wanted = req.displayWidth ? displaySize(unit.width, unit.height, req.displayWidth, maxPixels) : null;
    const display = wanted && wanted.width > size.width ? wanted : null;
    let shown = canvas;
    // The model's pixels are copied out already: its surface goes back as soon as nothing reads its drawing.
    if (display && vector) {
      shown = surface(display.width, display.height, "display");
      replay(canvas, shown, display.scale / size.scale);
      shrink(canvas);
    } else if (display) {
      shrink(canvas);
      shown = surface(display.width, display.height, "display");
      await draw(page, shown, display.scale);
    }
    const displayMs = display ? performance.now() - displayStarted : 0;

    // The encoder runs on libuv's pool while this thread builds the model input.
    const encodeStarted = performance.now();
    const encoding = encode(shown, req.imageFormat);
    const pixels =
      size.modelWidth === size.width && size.modelHeight === size.height
        ? rgba
        : resizeBilinear(rgba, size.width, size.height, size.modelWidth, size.modelHeight);
    const modelInput = rgbaToChw(pixels, size.modelWidth, size.modelHeight, req.inputFormat);
    const image = await encoding;
    const encodeMs = performance.now() - encodeStarted;
    // A text layer pdf.js cannot read costs the page its text, never its image or boxes.
    const text = await readPageText(page, { rgba, width: size.width, height: size.height }).catch(() => null);
    freeNow(rgba, pixels);
    return {
      pageNumber: req.pageNumber,
      widthPt: unit.width,
      heightPt: unit.height,
      rotation: ((page.rotate % 360) + 360) % 360,
      imageWidth: display?.width ?? size.width,
      imageHeight: display?.height ?? size.height,
      image,
      modelInput,
      modelWidth: size.modelWidth,
      modelHeight: size.modelHeight,
      renderMs,
      encodeMs,
      displayMs,
      displayReplayed: display !== null && vector,
      text,
    };
  } finally {
    page.cleanup();
  }
}

async function handle(msg: ThreadRequest): Promise<{ reply: ThreadResponse; transfer: ArrayBuffer[] }> {
  stage = "open";
  try {
    const image = await imageFileKind(msg.type === "open" ? msg.pdfPath : msg.request.pdfPath);
    if (msg.type === "open" && image) {
      const pageCount = await openImageFile(msg.pdfPath, image);
      return { reply: { id: msg.id, ok: true, pageCount, format: image === "tiff" ? "tiff" : "image" }, transfer: [] };
    }
    if (msg.type === "open") {
      const { numPages } = await open(msg.pdfPath);
      if (numPages === 0) return { reply: { id: msg.id, ok: false, error: noPages() }, transfer: [] };
      return { reply: { id: msg.id, ok: true, pageCount: numPages, format: "pdf" }, transfer: [] };
    }
    const page = image ? await renderImagePage(msg.request, image, msg.maxPixels, surface, encode) : await render(msg.request, msg.maxPixels);
    return { reply: { id: msg.id, ok: true, page }, transfer: [page.modelInput.buffer as ArrayBuffer, page.image.buffer as ArrayBuffer] };
  } catch (error) {
    if (error instanceof ImageError) return { reply: { id: msg.id, ok: false, error: error.threadError }, transfer: [] };
    const pageNumber = msg.type === "render" ? msg.request.pageNumber : undefined;
    return { reply: { id: msg.id, ok: false, error: classify(error, stage, pageNumber) }, transfer: [] };
  } finally {
    if (msg.type === "render") shrinkSurfaces();
  }
}

const port = parentPort;
if (!port) throw new Error("render-thread.ts runs inside a worker thread (see renderer.ts)");
// One request at a time, in order (the renderer sends one at a time anyway).
let queue: Promise<void> = Promise.resolve();
port.on("message", (msg: ThreadRequest) => {
  queue = queue.then(() => handle(msg)).then(({ reply, transfer }) => port.postMessage(reply, transfer));
});
port.postMessage({ ready: true } satisfies ThreadReady);
