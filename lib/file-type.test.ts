import { describe, expect, it } from "vitest";
import { Canvas } from "@napi-rs/canvas";
import { buildDocument } from "../scripts/fixtures/test-pdf";
import { imageHeaderSize, sniffFileType } from "./file-type";

/** Real encoders (@napi-rs/canvas) make the images; hand-made headers cover what encoders will not write. */
const encoded = (format: "png" | "jpeg" | "webp", width: number, height: number) => {
  const canvas = new Canvas(width, height);
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, width, height);
  return new Uint8Array(format === "png" ? canvas.toBuffer("image/png") : format === "jpeg" ? canvas.toBuffer("image/jpeg") : canvas.toBuffer("image/webp"));
};

function tiffHeader(width: number, height: number): Uint8Array {
  const b = Buffer.alloc(8 + 2 + 2 * 12 + 4);
  b.write("II*\0", 0, "latin1");
  b.writeUInt32LE(8, 4);
  b.writeUInt16LE(2, 8);
  b.writeUInt16LE(256, 10); // ImageWidth, LONG
  b.writeUInt16LE(4, 12);
  b.writeUInt32LE(1, 14);
  b.writeUInt32LE(width, 18);
  b.writeUInt16LE(257, 22); // ImageLength, SHORT
  b.writeUInt16LE(3, 24);
  b.writeUInt32LE(1, 26);
  b.writeUInt16LE(height, 30);
  return new Uint8Array(b);
}

function pngHeader(width: number, height: number): Uint8Array {
  const b = Buffer.alloc(33);
  b.write("\x89PNG\r\n\x1a\n", 0, "latin1");
  b.writeUInt32BE(13, 8);
  b.write("IHDR", 12, "latin1");
  b.writeUInt32BE(width, 16);
  b.writeUInt32BE(height, 20);
  return new Uint8Array(b);
}

describe("file type sniffing", () => {
  it("tells documents and images apart by their bytes, whatever they are called", () => {
    expect(sniffFileType(buildDocument(1))).toBe("pdf");
    expect(sniffFileType(encoded("png", 3, 2))).toBe("png");
    expect(sniffFileType(encoded("jpeg", 3, 2))).toBe("jpeg");
    expect(sniffFileType(encoded("webp", 3, 2))).toBe("webp");
    expect(sniffFileType(tiffHeader(5, 7))).toBe("tiff");
    expect(sniffFileType(new TextEncoder().encode('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBe("svg");
    expect(sniffFileType(new TextEncoder().encode("  <!DOCTYPE html><html></html>"))).toBe("html");
    expect(sniffFileType(new Uint8Array([1, 2, 3]))).toBe("unknown");
    expect(sniffFileType(new Uint8Array())).toBe("unknown");
  });

  it("reads the size an image header claims, before any decoding", () => {
    expect(imageHeaderSize("png", encoded("png", 31, 17))).toEqual({ width: 31, height: 17 });
    expect(imageHeaderSize("jpeg", encoded("jpeg", 31, 17))).toEqual({ width: 31, height: 17 });
    expect(imageHeaderSize("webp", encoded("webp", 31, 17))).toEqual({ width: 31, height: 17 });
    expect(imageHeaderSize("tiff", tiffHeader(640, 480))).toEqual({ width: 640, height: 480 });
    expect(imageHeaderSize("png", pngHeader(100_000, 100_000))).toEqual({ width: 100_000, height: 100_000 });
    expect(imageHeaderSize("png", pngHeader(0, 0))).toEqual({ width: 0, height: 0 });
    expect(imageHeaderSize("png", encoded("png", 4, 4).subarray(0, 20))).toBeNull(); // truncated
    expect(imageHeaderSize("jpeg", new Uint8Array([0xff, 0xd8, 0xff]))).toBeNull();
  });
});
