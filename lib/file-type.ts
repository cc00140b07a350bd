/**
 * What a file is, from its first bytes (never from its name or declared type), and for images the size
 * their header claims, so a 100000x100000 header can be refused before anything is decoded.
 */
export type FileKind = "pdf" | "png" | "jpeg" | "webp" | "tiff" | "gif" | "svg" | "html" | "unknown";

export const KIND_NAMES: Record<FileKind, string> = {
  pdf: "a PDF",
  png: "a PNG image",
  jpeg: "a JPEG image",
  webp: "a WebP image",
  tiff: "a TIFF image",
  gif: "a GIF image",
  svg: "an SVG drawing",
  html: "an HTML page",
  unknown: "not a recognised document",
};

/** Bytes `sniffFileType` needs to tell the kinds apart. */
export const SNIFF_BYTES = 512;

const ascii = (b: Uint8Array, start: number, length: number) => Buffer.from(b.subarray(start, start + length)).toString("latin1");

export function sniffFileType(head: Uint8Array): FileKind {
  if (ascii(head, 0, 5) === "%PDF-") return "pdf";
  if (head.length >= 8 && ascii(head, 0, 8) === "\x89PNG\r\n\x1a\n") return "png";
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return "jpeg";
  if (ascii(head, 0, 4) === "RIFF" && ascii(head, 8, 4) === "WEBP") return "webp";
  const four = ascii(head, 0, 4);
  if (four === "II*\x00" || four === "MM\x00*") return "tiff";
  if (four === "GIF8") return "gif";
  const text = ascii(head, 0, SNIFF_BYTES).replace(/^\ufeff|^\xef\xbb\xbf/, "").trimStart().toLowerCase();
  if (text.startsWith("<svg") || (text.startsWith("<?xml") && text.includes("<svg"))) return "svg";
  if (text.startsWith("<!doctype html") || text.startsWith("<html") || text.startsWith("<head") || text.startsWith("<body")) return "html";
  return "unknown";
}

/** Width and height an image header claims, or null when the header is too short or broken to say. */
export function imageHeaderSize(kind: FileKind, b: Uint8Array): { width: number; height: number } | null {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const has = (n: number) => b.length >= n;
  switch (kind) {
    case "png":
      // IHDR is the first chunk: length(4) "IHDR"(4) width(4) height(4)
      return has(24) && ascii(b, 12, 4) === "IHDR" ? { width: view.getUint32(16), height: view.getUint32(20) } : null;
    case "gif":
      return has(10) ? { width: view.getUint16(6, true), height: view.getUint16(8, true) } : null;
    case "webp": {
      if (!has(30)) return null;
      const chunk = ascii(b, 12, 4);
      if (chunk === "VP8X") return { width: 1 + (b[24]! | (b[25]! << 8) | (b[26]! << 16)), height: 1 + (b[27]! | (b[28]! << 8) | (b[29]! << 16)) };
      if (chunk === "VP8L") {
        const bits = view.getUint32(21, true);
        return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
      }
      if (chunk === "VP8 ") return { width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff };
      return null;
    }
    case "jpeg": {
      // Walk the markers to the first start-of-frame (SOF0..SOF15 except DHT/JPG/DAC).
      let i = 2;
      while (i + 9 < b.length) {
        if (b[i] !== 0xff) return null;
        const marker = b[i + 1]!;
        if (marker === 0xff) {
          i++;
          continue;
        }
        const length = view.getUint16(i + 2);
        if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
          return { width: view.getUint16(i + 7), height: view.getUint16(i + 5) };
        }
        i += 2 + length;
      }
      return null;
    }
    case "tiff": {
      if (!has(8)) return null;
      const le = b[0] === 0x49;
      const ifd = view.getUint32(4, le);
      if (ifd + 2 > b.length) return null;
      const count = view.getUint16(ifd, le);
      let width: number | null = null;
      let height: number | null = null;
      for (let e = 0; e < count; e++) {
        const at = ifd + 2 + e * 12;
        if (at + 12 > b.length) return null;
        const tag = view.getUint16(at, le);
        const type = view.getUint16(at + 2, le);
        const value = type === 3 ? view.getUint16(at + 8, le) : view.getUint32(at + 8, le);
        if (tag === 256) width = value;
        if (tag === 257) height = value;
      }
      return width !== null && height !== null ? { width, height } : null;
    }
    default:
      return null;
  }
}

/**
 * Whether the last bytes of an image end it as its format does (decoders fill a cut-off image with grey
 * instead of failing): PNG with its IEND chunk, JPEG with an end-of-image marker. WebP: its RIFF size is
 * checked against the header instead, so any tail passes here.
 */
export function imageEndsWell(kind: FileKind, tail: Uint8Array): boolean {
  if (kind === "png") return tail.length >= 12 && ascii(tail, tail.length - 8, 4) === "IEND";
  if (kind === "jpeg") {
    for (let i = tail.length - 2; i >= 0; i--) if (tail[i] === 0xff && tail[i + 1] === 0xd9) return true;
    return false;
  }
  return true;
}
