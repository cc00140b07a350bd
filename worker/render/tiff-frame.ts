/**
 * TIFF frames as pages, inside the render thread: the file is kept as bytes (it is compressed), its frames
 * are found and checked from the IFD chain when it is opened, and one frame is decoded per page request by
 * the `tiff` package (image-js), then converted to RGBA on white. Plain functions only (type stripping).
 */
import { ImageData, type Canvas } from "@napi-rs/canvas";
import { readFile, stat } from "node:fs/promises";
import { decode } from "tiff";
import { readTiffLayout, tiffFrameProblem, type TiffFrame } from "../../lib/tiff-layout";
import { freeNow } from "../free-buffer";
import { ImageError } from "./image-error";

export type OpenTiff = { key: string; bytes: Uint8Array; frames: TiffFrame[]; littleEndian: boolean };

let current: OpenTiff | null = null;

/** The file's frames, every one checked: a frame that could never become a page fails the document now. */
export async function openTiff(path: string): Promise<OpenTiff> {
  const info = await stat(path);
  const key = `${path}\0${info.size}\0${info.mtimeMs}`;
  if (current?.key === key) return current;
  current = null;
  const file = await readFile(path);
  const bytes = new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
  const layout = readTiffLayout(bytes);
  if (!layout.ok) {
    if (layout.short) throw new ImageError("image_invalid", `tiff layout short at ${layout.at}`, "The TIFF is truncated: its frame directory goes past the end of the file.");
    throw new ImageError(/more than \d+ frames/.test(layout.message) ? "too_many_pages" : "image_invalid", layout.message, layout.message);
  }
  layout.frames.forEach((frame, i) => {
    const problem = tiffFrameProblem(frame, bytes.length, i, layout.frames.length);
    if (problem) throw new ImageError(problem.code, problem.message, problem.message);
  });
  current = { key, bytes, frames: layout.frames, littleEndian: layout.littleEndian };
  return current;
}

/**
 * Decodes frame `index` (0-based) onto `canvas`, which is resized to the frame. The header's first-IFD
 * pointer is aimed at the frame for the duration of the call, so the decoder reads that IFD and its strips
 * and nothing else (its `pages` option would walk every earlier IFD on each page).
 */
export function drawTiffFrame(tiff: OpenTiff, index: number, canvas: Canvas): { width: number; height: number } {
  const frame = tiff.frames[index]!;
  const header = new DataView(tiff.bytes.buffer, tiff.bytes.byteOffset + 4, 4);
  const first = header.getUint32(0, tiff.littleEndian);
  let ifd: DecodedFrame;
  let rgba: Uint8ClampedArray;
  try {
    header.setUint32(0, frame.offset, tiff.littleEndian);
    ifd = decode(tiff.bytes, { pages: [0] })[0]!;
    rgba = toRgba(ifd);
  } catch (error) {
    if (error instanceof ImageError) throw error;
    const why = error instanceof Error ? error.message : String(error);
    const which = tiff.frames.length > 1 ? `Frame ${index + 1} of the TIFF` : "The TIFF";
    throw new ImageError("image_invalid", `tiff decode frame ${index}: ${why}`, `${which} could not be decoded (it is broken or truncated): ${why}.`);
  } finally {
    header.setUint32(0, first, tiff.littleEndian);
  }
  const { width, height } = ifd;
  freeNow(ifd.data);
  canvas.width = width;
  canvas.height = height;
  canvas.getContext("2d").putImageData(new ImageData(rgba, width, height), 0, 0);
  freeNow(rgba);
  return { width, height };
}

type DecodedFrame = ReturnType<typeof decode>[number];

/** Samples to RGBA, alpha composited on white (transparent pixels read as paper, as for other images). */
function toRgba(ifd: DecodedFrame): Uint8ClampedArray {
  const { width, height, data } = ifd;
  const spp = ifd.samplesPerPixel;
  const bits = ifd.bitsPerSample;
  const shift = bits === 16 ? 8 : 0;
  const gain = bits === 1 ? 255 : 1; // 1-bit samples arrive as 0 or 1, black-is-zero
  const hasAlpha = ifd.alpha && (spp === 2 || spp === 4);
  const palette = ifd.type === 3 ? paletteLut(ifd) : null;
  const out = new Uint8ClampedArray(width * height * 4);
  for (let i = 0, s = 0, o = 0; i < width * height; i++, s += spp, o += 4) {
    let r: number, g: number, b: number;
    if (palette) {
      const at = data[s]! * 3;
      r = palette[at]!;
      g = palette[at + 1]!;
      b = palette[at + 2]!;
    } else if (spp >= 3) {
      r = data[s]! >> shift;
      g = data[s + 1]! >> shift;
      b = data[s + 2]! >> shift;
    } else {
      r = g = b = (data[s]! >> shift) * gain;
    }
    if (hasAlpha) {
      const a = (data[s + spp - 1]! >> shift) / 255;
      r = r * a + 255 * (1 - a);
      g = g * a + 255 * (1 - a);
      b = b * a + 255 * (1 - a);
    }
    out[o] = r;
    out[o + 1] = g;
    out[o + 2] = b;
    out[o + 3] = 255;
  }
  return out;
}

/** The ColorMap (16-bit per channel) as 8-bit RGB triples. */
function paletteLut(ifd: DecodedFrame): Uint8Array {
  const palette = ifd.palette;
  if (!palette) throw new ImageError("image_invalid", "palette tiff without ColorMap", "The TIFF is a palette image without its colour map.");
  const lut = new Uint8Array(palette.length * 3);
  palette.forEach(([r, g, b], i) => lut.set([r >> 8, g >> 8, b >> 8], i * 3));
  return lut;
}
