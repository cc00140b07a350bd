/**
 * Images as one-page documents, inside the render thread: decoded by @napi-rs/canvas (PNG, JPEG, WebP),
 * drawn at the model's input size like a PDF page. 1 image pixel counts as 1 point (72 dpi).
 * Plain fields and functions only: the render thread runs on Node's type stripping.
 */
import { loadImage, type Canvas, type Image } from "@napi-rs/canvas";
import { open as openFile, readFile, stat } from "node:fs/promises";
import { sniffFileType } from "../../lib/file-type";
import { freeNow } from "../free-buffer";
import { resizeBilinear, rgbaToChw } from "../model/preprocess";
import type { RenderedPage, RenderRequest, ThreadError } from "./protocol";
import { renderSize } from "./size";

/** Images decoded larger than this are refused (the header check at upload catches most before). */
export const MAX_IMAGE_PIXELS = 100_000_000;

/** An image that cannot be used; its message is for the user. */
export class ImageError extends Error {
  readonly threadError: ThreadError;
  constructor(code: string, message: string, userMessage: string) {
    super(message);
    this.name = "ImageError";
    this.threadError = { code, message, userMessage };
  }
}

const IMAGE_KINDS = new Set(["png", "jpeg", "webp"]);

/** True when the file starts like a PNG, JPEG or WebP image (anything else goes to pdf.js, as before). */
export async function isImageFile(path: string): Promise<boolean> {
  const handle = await openFile(path, "r");
  try {
    const head = Buffer.alloc(16);
    const { bytesRead } = await handle.read(head, 0, 16, 0);
    return IMAGE_KINDS.has(sniffFileType(head.subarray(0, bytesRead)));
  } finally {
    await handle.close();
  }
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

export async function renderImagePage(
  req: RenderRequest,
  maxPixels: number,
  surface: (w: number, h: number) => Canvas,
  encode: (canvas: Canvas, format: RenderRequest["imageFormat"]) => Promise<Buffer>,
): Promise<RenderedPage> {
  const started = performance.now();
  const image = await openImage(req.pdfPath);
  if (req.pageNumber !== 1) throw new ImageError("render_failed", `page ${req.pageNumber} of an image`, `An image has one page; page ${req.pageNumber} does not exist.`);
  const size = renderSize(image.width, image.height, req.resize, maxPixels);
  const canvas = surface(size.width, size.height);
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#ffffff"; // transparent pixels read as paper
  ctx.fillRect(0, 0, size.width, size.height);
  ctx.drawImage(image, 0, 0, size.width, size.height);
  const rgba = ctx.getImageData(0, 0, size.width, size.height).data;
  const renderMs = performance.now() - started;
  const encodeStarted = performance.now();
  const encoding = encode(canvas, req.imageFormat);
  const pixels = size.modelWidth === size.width && size.modelHeight === size.height ? rgba : resizeBilinear(rgba, size.width, size.height, size.modelWidth, size.modelHeight);
  const modelInput = rgbaToChw(pixels, size.modelWidth, size.modelHeight, req.inputFormat);
  const encoded = await encoding;
  const out = new Uint8Array(encoded);
  freeNow(rgba, pixels, encoded);
  return {
    pageNumber: 1,
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
    text: null,
  };
}
