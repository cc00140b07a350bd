/**
 * The frames of a TIFF, read from its IFD chain without decoding any pixels: how many there are, how
 * large each says it is and how it is stored, so that the page limit, the pixel caps and what the decoder
 * cannot read are found before anything is allocated. Used on the first bytes at upload and on the whole
 * file in the render thread (plain functions: that thread runs on Node's type stripping).
 */

/** Frames counted at most; a longer chain is refused whatever the page limit is. */
export const MAX_TIFF_FRAMES_READ = 100_000;
/** Same figure as the render thread's decode cap for other images (worker/render/image-page.ts). */
export const MAX_TIFF_FRAME_PIXELS = 100_000_000;
/**
 * Memory one frame may need while it is decoded (see `tiffDecodeBytes`). 768 MiB lets an A4 page scanned at
 * 600 dpi through in 8-bit RGB (600 MiB), and refuses A3 at 600 dpi in RGB (1.2 GiB).
 */
export const MAX_TIFF_DECODE_BYTES = 768 * 1024 * 1024;

export type TiffFrame = {
  /** Where this frame's IFD starts. */
  offset: number;
  width: number;
  height: number;
  compression: number;
  photometric: number | null;
  bitsPerSample: number[];
  samplesPerPixel: number;
  sampleFormat: number;
  planar: number;
  orientation: number;
  /** End of the furthest strip or tile (offset + byte count); 0 when the frame names none. */
  dataEnd: number;
};

export type TiffLayout =
  | { ok: true; frames: TiffFrame[]; littleEndian: boolean }
  /** The bytes stop before the layout does: a cut-off file, or (at upload) an IFD beyond the first bytes. */
  | { ok: false; short: true; at: number }
  | { ok: false; short: false; message: string };

const TYPE_SIZES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4 };

class Short extends Error {
  readonly at: number;
  constructor(at: number) {
    super(`short at ${at}`);
    this.at = at;
  }
}

/** Reads the IFD chain. `firstOnly` stops after the first frame (the upload check reads only the head). */
export function readTiffLayout(b: Uint8Array, opts: { firstOnly?: boolean } = {}): TiffLayout {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const le = b[0] === 0x49;
  const need = (at: number, n: number) => {
    if (at + n > b.length) throw new Short(at + n);
  };
  const u16 = (at: number) => (need(at, 2), view.getUint16(at, le));
  const u32 = (at: number) => (need(at, 4), view.getUint32(at, le));
  const values = (entry: number): number[] => {
    const type = u16(entry + 2);
    const count = u32(entry + 4);
    const size = TYPE_SIZES[type];
    if (!size || (type !== 3 && type !== 4 && type !== 13 && type !== 1)) return [];
    const at = size * count <= 4 ? entry + 8 : u32(entry + 8);
    need(at, size * count);
    const out: number[] = [];
    for (let i = 0; i < count; i++) out.push(size === 1 ? b[at + i]! : size === 2 ? view.getUint16(at + 2 * i, le) : view.getUint32(at + 4 * i, le));
    return out;
  };
  try {
    const frames: TiffFrame[] = [];
    const seen = new Set<number>();
    let next = u32(4);
    while (next !== 0) {
      if (seen.has(next)) return { ok: false, short: false, message: "The TIFF's frames form a loop (a frame points back to an earlier one)." };
      if (frames.length >= MAX_TIFF_FRAMES_READ) return { ok: false, short: false, message: `The TIFF has more than ${MAX_TIFF_FRAMES_READ} frames.` };
      seen.add(next);
      const count = u16(next);
      need(next + 2, count * 12 + 4);
      const tags = new Map<number, number[]>();
      for (let e = 0; e < count; e++) {
        const entry = next + 2 + e * 12;
        tags.set(u16(entry), values(entry));
      }
      const one = (tag: number, fallback: number) => tags.get(tag)?.[0] ?? fallback;
      const samplesPerPixel = one(277, 1);
      const offsets = tags.get(273) ?? tags.get(324) ?? [];
      const counts = tags.get(279) ?? tags.get(325) ?? [];
      let dataEnd = 0;
      for (let i = 0; i < offsets.length; i++) dataEnd = Math.max(dataEnd, offsets[i]! + (counts[i] ?? 0));
      frames.push({
        offset: next,
        width: one(256, 0),
        height: one(257, 0),
        compression: one(259, 1),
        photometric: tags.get(262)?.[0] ?? null,
        bitsPerSample: tags.get(258) ?? [1],
        samplesPerPixel,
        sampleFormat: one(339, 1),
        planar: one(284, 1),
        orientation: one(274, 1),
        dataEnd,
      });
      if (opts.firstOnly) break;
      next = u32(next + 2 + count * 12);
    }
    if (!frames.length) return { ok: false, short: false, message: "The TIFF has no frames." };
    return { ok: true, frames, littleEndian: le };
  } catch (error) {
    if (error instanceof Short) return { ok: false, short: true, at: error.at };
    throw error;
  }
}

const COMPRESSIONS: Record<number, string> = {
  2: "CCITT modified Huffman",
  3: "CCITT Group 3 fax",
  4: "CCITT Group 4 fax",
  6: "old-style JPEG",
  7: "JPEG",
  34712: "JPEG 2000",
  32773: "PackBits",
  34887: "LERC",
  50000: "Zstandard",
  50001: "WebP",
};
const PHOTOMETRICS: Record<number, string> = { 4: "transparency mask", 5: "CMYK", 6: "YCbCr", 8: "CIE L*a*b*", 32844: "LogL", 32845: "LogLuv" };
/** What the decoder (the `tiff` package) reads: none, LZW and Deflate compression. */
const DECODABLE_COMPRESSIONS = new Set([1, 5, 8, 32946]);

export const TIFF_SUPPORTED =
  "Pagewise reads uncompressed, LZW and Deflate TIFFs, in 1-bit, 8-bit or 16-bit grayscale, 8-bit palette, or 8-bit or 16-bit RGB (with or without alpha).";

export type FrameProblem = { code: "image_invalid" | "image_too_large" | "image_unsupported"; message: string };

/**
 * Bytes a frame needs while it is decoded, per pixel: its samples twice (the decompressed strips and the
 * decoder's array), then RGBA three times (the copy, the canvas it is put on, the image data passed in).
 * scripts/bench-tiff.ts measured 14 bytes per pixel of peak RSS for 8-bit gray Deflate at 600 dpi: this formula's
 * figure. LZW peaked about twice as high (the decoder grows its output buffer by doubling): an estimate, not a bound.
 */
export function tiffDecodeBytes(frame: TiffFrame): number {
  const sampleBytes = Math.max(1, Math.ceil(Math.max(...frame.bitsPerSample, 1) / 8));
  return frame.width * frame.height * (2 * frame.samplesPerPixel * sampleBytes + 12);
}

/**
 * Why a frame cannot become a page, or null. `fileSize`: the whole file's size (its strips must lie
 * within it). `index` and `total` name the frame in the message when there are several.
 */
export function tiffFrameProblem(frame: TiffFrame, fileSize: number, index: number, total: number): FrameProblem | null {
  const which = total > 1 ? `Frame ${index + 1} of the TIFF` : "The image";
  const { width, height } = frame;
  if (!width || !height) return { code: "image_invalid", message: `${which} has no pixels (${width}x${height}).` };
  if (width * height > MAX_TIFF_FRAME_PIXELS) {
    return { code: "image_too_large", message: `${which} is ${width}x${height} pixels; the limit is ${MAX_TIFF_FRAME_PIXELS / 1e6} megapixels.` };
  }
  const bytes = tiffDecodeBytes(frame);
  if (bytes > MAX_TIFF_DECODE_BYTES) {
    const mib = (n: number) => Math.ceil(n / 1024 / 1024);
    return { code: "image_too_large", message: `${which} is ${width}x${height} pixels of ${frame.samplesPerPixel} samples; decoding it would take ${mib(bytes)} MiB, the limit is ${mib(MAX_TIFF_DECODE_BYTES)} MiB.` };
  }
  if (frame.dataEnd > fileSize) {
    return { code: "image_invalid", message: `The TIFF is truncated: ${total > 1 ? `frame ${index + 1}'s` : "its"} image data goes past the end of the file.` };
  }
  const unsupported = (what: string): FrameProblem => ({ code: "image_unsupported", message: `${which} uses ${what}, which Pagewise cannot decode. ${TIFF_SUPPORTED}` });
  if (!DECODABLE_COMPRESSIONS.has(frame.compression)) return unsupported(`${COMPRESSIONS[frame.compression] ?? `compression ${frame.compression}`} compression`);
  // Required by the format, and the decoder cannot guess it.
  if (frame.photometric === null) return { code: "image_invalid", message: `${which} does not say how its samples are coloured (no PhotometricInterpretation tag).` };
  const photometric = frame.photometric;
  if (photometric > 3) return unsupported(`the ${PHOTOMETRICS[photometric] ?? `photometric ${photometric}`} colour model`);
  const bits = frame.bitsPerSample[0]!;
  if (frame.bitsPerSample.some((b) => b !== bits) || frame.sampleFormat !== 1) return unsupported("mixed or floating-point samples");
  if (bits === 1 ? photometric > 1 || frame.samplesPerPixel !== 1 : photometric === 3 ? bits !== 8 : bits !== 8 && bits !== 16) {
    return unsupported(`${bits}-bit ${photometric === 3 ? "palette" : photometric === 2 ? "RGB" : "grayscale"} samples`);
  }
  if (photometric === 2 ? frame.samplesPerPixel < 3 || frame.samplesPerPixel > 4 : frame.samplesPerPixel > (photometric === 3 ? 1 : 2)) return unsupported(`${frame.samplesPerPixel} samples per pixel`);
  if (frame.planar === 2 && frame.samplesPerPixel > 1) return unsupported("separate colour planes");
  if (frame.orientation !== 1) return unsupported(`orientation ${frame.orientation} (rotated or mirrored storage)`);
  return null;
}
