/**
 * Images as documents, inside the render thread: PNG, JPEG and WebP decoded by @napi-rs/canvas as one
 * page, TIFF one page per frame (tiff-frame.ts), drawn at the model's input size like a PDF page.
 * 1 image pixel counts as 1 point (72 dpi).
 * Plain fields and functions only: the render thread runs on Node's type stripping.
 */
import { loadImage, type Canvas, type Image } from "@napi-rs/canvas";
import { open as openFile, readFile, stat } from "node:fs/promises";
import { sniffFileType, type FileKind } from "../../lib/file-type";
import { freeNow } from "../free-buffer";
import { resizeBilinear, rgbaToChw } from "../model/preprocess";
import { ImageError } from "./image-error";
import type { RenderedPage, RenderRequest } from "./protocol";
import { renderSize } from "./size";
import { drawTiffFrame, openTiff } from "./tiff-frame";

export { ImageError };

/** Images decoded larger than this are refused (the header check at upload catches most before). */
export const MAX_IMAGE_PIXELS = 100_000_000;

const IMAGE_KINDS = new Set<FileKind>(["png", "jpeg", "webp", "tiff"]);

/** "tiff", "image" (PNG, JPEG or WebP) or null: anything else goes to pdf.js, as before. */
export async function imageFileKind(path: string): Promise<"tiff" | "image" | null> {
  const handle = await openFile(path, "r");
  try {
    const head = Buffer.alloc(16);
    const { bytesRead } = await handle.read(head, 0, 16, 0);
    const kind = sniffFileType(head.subarray(0, bytesRead));
    return kind === "tiff" ? "tiff" : IMAGE_KINDS.has(kind) ? "image" : null;
  } finally {
    await handle.close();
  }
}

/** Pages of an image file: a TIFF's frames (each checked, none decoded), else one. */
export async function openImageFile(path: string, kind: "tiff" | "image"): Promise<number> {
  if (kind === "tiff") return (await openTiff(path)).frames.length;
  await openImage(path);
  return 1;
}

let current: { key: string; image: Image } | null = null;

export async function openImage(path: string): Promise<Image> {
  const info = await stat(path);
  const key = `${path}\0${info.size}\0${info.mtimeMs}`;
  if (current?.key === key) return current.image;
  current = null;
  let image: Image;
  try {
    image = await loadImage(await readFile(path));
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new ImageError("image_invalid", `decode: ${why}`, "The image could not be decoded (it is truncated, broken or not a PNG, JPEG or WebP).");
  }
  if (!image.width || !image.height) throw new ImageError("image_invalid", "0x0 image", "The image has no pixels (0x0).");
  if (image.width * image.height > MAX_IMAGE_PIXELS) {
    throw new ImageError("image_too_large", `${image.width}x${image.height}`, `The image is ${image.width}x${image.height} pixels; the limit is ${MAX_IMAGE_PIXELS / 1e6} megapixels.`);
  }
  current = { key, image };
  return image;
}

/** The page's pixels at full size: the decoded image, or a TIFF frame drawn on the "source" canvas. */
async function pageSource(req: RenderRequest, kind: "tiff" | "image", source: Canvas): Promise<{ drawable: Image | Canvas; width: number; height: number }> {
  if (kind === "tiff") {
    const tiff = await openTiff(req.pdfPath);
    const index = req.pageNumber - 1;
    if (!Number.isInteger(index) || index < 0 || index >= tiff.frames.length) {
      throw new ImageError("render_failed", `frame ${req.pageNumber} of ${tiff.frames.length}`, `The TIFF has ${tiff.frames.length} frames; page ${req.pageNumber} does not exist.`);
    }
    return { drawable: source, ...drawTiffFrame(tiff, index, source) };
  }
  const image = await openImage(req.pdfPath);
  if (req.pageNumber !== 1) throw new ImageError("render_failed", `page ${req.pageNumber} of an image`, `An image has one page; page ${req.pageNumber} does not exist.`);
  return { drawable: image, width: image.width, height: image.height };
}

export async function renderImagePage(
  req: RenderRequest,
  kind: "tiff" | "image",
  maxPixels: number,
  surface: (w: number, h: number, slot?: "model" | "source") => Canvas,
  encode: (canvas: Canvas, format: RenderRequest["imageFormat"]) => Promise<Uint8Array>,
): Promise<RenderedPage> {
  const started = performance.now();
  const source = surface(1, 1, "source");
  let image: { drawable: Image | Canvas; width: number; height: number };
  let size: ReturnType<typeof renderSize>;
  let rgba: Uint8ClampedArray;
  try {
    image = await pageSource(req, kind, source);
    size = renderSize(image.width, image.height, req.resize, maxPixels);
    const canvas = surface(size.width, size.height);
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#ffffff"; // transparent pixels read as paper
    ctx.fillRect(0, 0, size.width, size.height);
    ctx.drawImage(image.drawable, 0, 0, size.width, size.height);
    rgba = ctx.getImageData(0, 0, size.width, size.height).data;
  } finally {
    // A frame's full-size surface is let go at once (resizing a kept canvas frees its pixels; a new
    // canvas per page would be native memory the thread's GC does not see).
    source.width = 1;
    source.height = 1;
  }
  const canvas = surface(size.width, size.height);
  const renderMs = performance.now() - started;
  const encodeStarted = performance.now();
  const encoding = encode(canvas, req.imageFormat);
  const pixels = size.modelWidth === size.width && size.modelHeight === size.height ? rgba : resizeBilinear(rgba, size.width, size.height, size.modelWidth, size.modelHeight);
  const modelInput = rgbaToChw(pixels, size.modelWidth, size.modelHeight, req.inputFormat);
  const out = await encoding;
  freeNow(rgba, pixels);
  return {
    pageNumber: req.pageNumber,
    widthPt: image.width,
    heightPt: image.height,
    rotation: 0,
    imageWidth: size.width,
    imageHeight: size.height,
    image: out,
    modelInput,
    modelWidth: size.modelWidth,
    modelHeight: size.modelHeight,
    renderMs,
    encodeMs: performance.now() - encodeStarted,
    // The viewer shows the model's render of an image; an image has no text layer (OCR reads it when on).
    displayMs: 0,
    displayReplayed: false,
    text: null,
  };
}
