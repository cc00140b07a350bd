/**
 * Runs inside a worker thread: pdf.js (legacy build, for Node) drawing on @napi-rs/canvas. The main
 * thread can terminate this thread when a page hangs, which a promise alone could never stop.
 */
import { createCanvas } from "@napi-rs/canvas";
import path from "node:path";
import { createRequire } from "node:module";
import { readFile } from "node:fs/promises";
import { parentPort } from "node:worker_threads";
import { getDocument, type PDFDocumentProxy } from "pdfjs-dist/legacy/build/pdf.mjs";
import { resizeBilinear, rgbaToChw, shortestEdgeSize } from "../model/preprocess";
import type { RenderedPage, RenderRequest, ThreadError, ThreadRequest, ThreadResponse } from "./protocol";

const require = createRequire(import.meta.url);
const pdfjsRoot = path.dirname(require.resolve("pdfjs-dist/package.json"));
const assetDir = (name: string) => path.join(pdfjsRoot, name) + path.sep;

let current: { path: string; doc: PDFDocumentProxy } | null = null;

async function open(pdfPath: string): Promise<PDFDocumentProxy> {
  if (current?.path === pdfPath) return current.doc;
  if (current) {
    await current.doc.loadingTask.destroy();
    current = null;
  }
  const data = new Uint8Array(await readFile(pdfPath));
  const doc = await getDocument({
    data,
    isEvalSupported: false, // CVE-2024-4367: never compile font programs into JS functions
    standardFontDataUrl: assetDir("standard_fonts"),
    cMapUrl: assetDir("cmaps"),
    cMapPacked: true,
    wasmUrl: assetDir("wasm"),
    iccUrl: assetDir("iccs"),
    useSystemFonts: false,
    disableFontFace: true,
    verbosity: 0,
  }).promise;
  current = { path: pdfPath, doc };
  return doc;
}

function classify(error: unknown): ThreadError {
  const name = (error as { name?: string })?.name ?? "";
  const message = error instanceof Error ? error.message : String(error);
  if (name === "PasswordException") {
    return { code: "pdf_encrypted", message, userMessage: "The PDF is password-protected. Upload a copy without a password." };
  }
  if (name === "InvalidPDFException" || name === "MissingPDFException" || name === "FormatError" || /Invalid PDF|PDF header/i.test(message)) {
    return { code: "pdf_invalid", message, userMessage: `The file is not a valid PDF (${message.slice(0, 120)}).` };
  }
  if (name === "UnknownErrorException" || name === "ResponseException") {
    return { code: "pdf_invalid", message, userMessage: `The PDF could not be read (${message.slice(0, 120)}).` };
  }
  return { code: "render_failed", message, userMessage: `The page could not be rendered (${message.slice(0, 120)}).` };
}

async function render(req: RenderRequest, maxPixels: number): Promise<RenderedPage> {
  const started = performance.now();
  const doc = await open(req.pdfPath);
  if (req.pageNumber < 1 || req.pageNumber > doc.numPages) {
    throw Object.assign(new Error(`page ${req.pageNumber} of ${doc.numPages}`), { name: "RangeError" });
  }
  const page = await doc.getPage(req.pageNumber);
  try {
    const unit = page.getViewport({ scale: 1 });
    const target =
      req.resize.type === "shortest-edge"
        ? shortestEdgeSize(unit.width, unit.height, req.resize.shortestEdge, req.resize.maxSize)
        : shortestEdgeSize(unit.width, unit.height, Math.min(req.resize.width, req.resize.height), Math.max(req.resize.width, req.resize.height));
    let scale = target.width / unit.width;
    if (target.width * target.height > maxPixels) scale *= Math.sqrt(maxPixels / (target.width * target.height));
    const viewport = page.getViewport({ scale });
    const width = Math.max(1, Math.round(viewport.width));
    const height = Math.max(1, Math.round(viewport.height));

    const canvas = createCanvas(width, height);
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, width, height);
    await page.render({
      canvas: canvas as unknown as HTMLCanvasElement,
      canvasContext: ctx as unknown as CanvasRenderingContext2D,
      viewport,
      background: "#ffffff",
    }).promise;
    const rgba = ctx.getImageData(0, 0, width, height).data;
    const renderMs = performance.now() - started;

    const encodeStarted = performance.now();
    const image = req.imageFormat === "webp" ? await canvas.encode("webp", 85) : await canvas.encode("png");
    let modelWidth = width;
    let modelHeight = height;
    let pixels: Uint8Array | Uint8ClampedArray = rgba;
    if (req.resize.type === "fixed" && (width !== req.resize.width || height !== req.resize.height)) {
      modelWidth = req.resize.width;
      modelHeight = req.resize.height;
      pixels = resizeBilinear(rgba, width, height, modelWidth, modelHeight);
    }
    const modelInput = rgbaToChw(pixels, modelWidth, modelHeight, req.inputFormat);
    return {
      pageNumber: req.pageNumber,
      widthPt: unit.width,
      heightPt: unit.height,
      rotation: unit.rotation,
      imageWidth: width,
      imageHeight: height,
      // A plain copy: the encoder's buffer lives outside the JS heap and cannot be transferred.
      image: new Uint8Array(image),
      modelInput,
      modelWidth,
      modelHeight,
      renderMs,
      encodeMs: performance.now() - encodeStarted,
    };
  } finally {
    page.cleanup();
  }
}

const port = parentPort!;
port.postMessage({ ready: true });
port.on("message", async (msg: ThreadRequest) => {
  let reply: ThreadResponse;
  const transfer: ArrayBuffer[] = [];
  try {
    if (msg.type === "open") {
      reply = { id: msg.id, ok: true, pageCount: (await open(msg.pdfPath)).numPages };
    } else {
      const page = await render(msg.request, msg.maxPixels);
      transfer.push(page.modelInput.buffer as ArrayBuffer, page.image.buffer as ArrayBuffer);
      reply = { id: msg.id, ok: true, page };
    }
  } catch (error) {
    if (current && msg.type === "open") current = null;
    reply = { id: msg.id, ok: false, error: classify(error) };
  }
  port.postMessage(reply, transfer);
});
