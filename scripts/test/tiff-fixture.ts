/**
 * A small TIFF writer for test fixtures (the decoder package has no encoder): baseline tags, one strip per
 * frame, written like libtiff does (image data first, then its directory). Uncompressed, Deflate or LZW
 * samples; any other compression code writes the given bytes as they are, for refusal tests.
 */
import { deflateSync } from "node:zlib";

export type FixtureFrame = {
  width: number;
  height: number;
  /** Row-major samples, interleaved; 1-bit rows packed MSB first and padded to a byte. */
  samples: Uint8Array | Uint16Array;
  bits?: 1 | 8 | 16;
  samplesPerPixel?: number;
  /** 0 WhiteIsZero, 1 BlackIsZero, 2 RGB, 3 palette. Default: 1, or 2 for three or more samples. */
  photometric?: number;
  compression?: "none" | "deflate" | "lzw" | number;
  /** 3 x 2^bits 16-bit entries (all reds, all greens, all blues). */
  colorMap?: number[];
  /** 2: the last sample is unassociated alpha. */
  extraSamples?: number;
  /** Written as they are, instead of what the samples encode to (strip byte count included). */
  stripBytes?: Uint8Array;
  /** Declared instead of the strip's real length (a cut-off file). */
  stripByteCount?: number;
};

const SHORT = 3;
const LONG = 4;

/** Frames into one TIFF file, little-endian unless `bigEndian`. */
export function encodeTiff(frames: FixtureFrame[], opts: { bigEndian?: boolean } = {}): Uint8Array {
  const le = !opts.bigEndian;
  const chunks: Uint8Array[] = [];
  let size = 0;
  const push = (b: Uint8Array) => {
    chunks.push(b);
    size += b.length;
    if (size % 2) {
      chunks.push(new Uint8Array(1)); // word-aligned offsets
      size++;
    }
  };
  const header = new DataView(new ArrayBuffer(8));
  header.setUint16(0, le ? 0x4949 : 0x4d4d);
  header.setUint16(2, 42, le);
  push(new Uint8Array(header.buffer));
  const nextPointers: number[] = [];
  const ifdStarts: number[] = [];
  for (const frame of frames) {
    const spp = frame.samplesPerPixel ?? 1;
    const bits = frame.bits ?? 8;
    const raw = sampleBytes(frame.samples, bits, le);
    const code = frame.compression === undefined || frame.compression === "none" ? 1 : frame.compression === "deflate" ? 8 : frame.compression === "lzw" ? 5 : frame.compression;
    const strip = frame.stripBytes ?? (code === 8 ? new Uint8Array(deflateSync(raw)) : code === 5 ? lzw(raw) : raw);
    const stripAt = size;
    push(strip);
    const entries: [number, number, number[]][] = [
      [256, LONG, [frame.width]],
      [257, LONG, [frame.height]],
      [258, SHORT, Array(spp).fill(bits)],
      [259, SHORT, [code]],
      [262, SHORT, [frame.photometric ?? (spp >= 3 ? 2 : 1)]],
      [273, LONG, [stripAt]],
      [277, SHORT, [spp]],
      [278, LONG, [frame.height]],
      [279, LONG, [frame.stripByteCount ?? strip.length]],
    ];
    if (frame.colorMap) entries.push([320, SHORT, frame.colorMap]);
    if (frame.extraSamples) entries.push([338, SHORT, [frame.extraSamples]]);
    const ifdAt = size;
    const ifdSize = 2 + entries.length * 12 + 4;
    const extra: { type: number; values: number[] }[] = [];
    let extraAt = ifdAt + ifdSize;
    const ifd = new DataView(new ArrayBuffer(ifdSize));
    ifd.setUint16(0, entries.length, le);
    entries.forEach(([tag, type, values], i) => {
      const at = 2 + i * 12;
      ifd.setUint16(at, tag, le);
      ifd.setUint16(at + 2, type, le);
      ifd.setUint32(at + 4, values.length, le);
      const bytes = (type === SHORT ? 2 : 4) * values.length;
      if (bytes <= 4) values.forEach((v, j) => (type === SHORT ? ifd.setUint16(at + 8 + 2 * j, v, le) : ifd.setUint32(at + 8, v, le)));
      else {
        ifd.setUint32(at + 8, extraAt, le);
        extra.push({ type, values });
        extraAt += bytes + (bytes % 2);
      }
    });
    ifdStarts.push(ifdAt);
    nextPointers.push(ifdAt + ifdSize - 4);
    push(new Uint8Array(ifd.buffer));
    for (const { type, values } of extra) {
      const out = new DataView(new ArrayBuffer(values.length * (type === LONG ? 4 : 2)));
      values.forEach((v, j) => (type === LONG ? out.setUint32(4 * j, v, le) : out.setUint16(2 * j, v, le)));
      push(new Uint8Array(out.buffer));
    }
  }
  const file = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    file.set(chunk, at);
    at += chunk.length;
  }
  const view = new DataView(file.buffer);
  // The header's pointer and each directory's "next" pointer lead to the directory of the frame after it.
  view.setUint32(4, ifdStarts[0] ?? 0, le);
  nextPointers.forEach((p, i) => view.setUint32(p, ifdStarts[i + 1] ?? 0, le));
  return file;
}

function sampleBytes(samples: Uint8Array | Uint16Array, bits: number, le: boolean): Uint8Array {
  if (bits !== 16) return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  const out = new DataView(new ArrayBuffer(samples.length * 2));
  samples.forEach((v, i) => out.setUint16(2 * i, v, le));
  return new Uint8Array(out.buffer);
}

/** TIFF LZW (MSB-first codes, 9 to 12 bits, code width raised one code early as TIFF 6.0 decoders expect). */
export function lzw(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  let acc = 0;
  let nbits = 0;
  const put = (code: number, width: number) => {
    acc = (acc << width) | code;
    nbits += width;
    while (nbits >= 8) {
      out.push((acc >>> (nbits - 8)) & 0xff);
      nbits -= 8;
    }
    acc &= (1 << nbits) - 1;
  };
  // The decoder reads each code at the width its table, one entry behind this one, calls for.
  const width = (next: number) => (next - 1 >= 2047 ? 12 : next - 1 >= 1023 ? 11 : next - 1 >= 511 ? 10 : 9);
  let table = new Map<number, number>();
  let next = 258;
  put(256, 9);
  let prefix = -1;
  for (const byte of data) {
    if (prefix < 0) {
      prefix = byte;
      continue;
    }
    const found = table.get(prefix * 256 + byte);
    if (found !== undefined) {
      prefix = found;
      continue;
    }
    put(prefix, width(next));
    table.set(prefix * 256 + byte, next++);
    prefix = byte;
    if (next >= 4093) {
      put(256, width(next));
      table = new Map();
      next = 258;
    }
  }
  if (prefix >= 0) put(prefix, width(next++));
  put(257, width(next));
  if (nbits > 0) out.push((acc << (8 - nbits)) & 0xff);
  return new Uint8Array(out);
}
