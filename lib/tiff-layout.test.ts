import { describe, expect, it } from "vitest";
import { decode } from "tiff";
import { encodeTiff, type FixtureFrame } from "../scripts/test/tiff-fixture";
import { MAX_TIFF_FRAMES_READ, readTiffLayout, tiffFrameProblem } from "./tiff-layout";

const gray = (width: number, height: number, extra: Partial<FixtureFrame> = {}): FixtureFrame => ({
  width,
  height,
  samples: new Uint8Array(width * height).map((_, i) => (i * 37) & 255),
  ...extra,
});

const layoutOf = (file: Uint8Array) => {
  const layout = readTiffLayout(file);
  if (!layout.ok) throw new Error(JSON.stringify(layout));
  return layout;
};
const problem = (frame: FixtureFrame, opts: { bigEndian?: boolean } = {}) => {
  const file = encodeTiff([frame], opts);
  return tiffFrameProblem(layoutOf(file).frames[0]!, file.length, 0, 1);
};

describe("readTiffLayout", () => {
  it("reads every frame's size and storage from the directory chain, in both byte orders", () => {
    for (const bigEndian of [false, true]) {
      const file = encodeTiff([gray(30, 20), { ...gray(7, 5), compression: "lzw" }, { width: 4, height: 2, bits: 16, samplesPerPixel: 3, samples: new Uint16Array(24) }], { bigEndian });
      const { frames, littleEndian } = layoutOf(file);
      expect(littleEndian).toBe(!bigEndian);
      expect(frames.map((f) => [f.width, f.height, f.compression, f.samplesPerPixel, f.bitsPerSample])).toEqual([
        [30, 20, 1, 1, [8]],
        [7, 5, 5, 1, [8]],
        [4, 2, 1, 3, [16, 16, 16]],
      ]);
      // The same frames as the decoder finds them.
      expect(decode(file).map((ifd) => [ifd.width, ifd.height])).toEqual(frames.map((f) => [f.width, f.height]));
      for (const [i, frame] of frames.entries()) expect(tiffFrameProblem(frame, file.length, i, frames.length)).toBeNull();
    }
  });

  it("counts 10,000 frames without decoding any, and refuses a chain longer than it reads", () => {
    const many = (n: number) => encodeTiff(Array.from({ length: n }, () => gray(1, 1)));
    const file = many(10_000);
    expect(file.length).toBeLessThan(2_000_000);
    expect(layoutOf(file).frames).toHaveLength(10_000);
    expect(readTiffLayout(many(MAX_TIFF_FRAMES_READ + 1))).toEqual({ ok: false, short: false, message: `The TIFF has more than ${MAX_TIFF_FRAMES_READ} frames.` });
  });

  it("finds a loop in the chain, a cut-off directory and the first frame alone in a head", () => {
    const file = encodeTiff([gray(3, 3), gray(3, 3)]);
    const { frames } = layoutOf(file);
    const loop = file.slice();
    new DataView(loop.buffer).setUint32(frames[1]!.offset + 2 + 9 * 12, frames[0]!.offset, true);
    expect(readTiffLayout(loop)).toMatchObject({ ok: false, short: false, message: expect.stringMatching(/loop/) });
    expect(readTiffLayout(file.subarray(0, frames[1]!.offset + 20))).toMatchObject({ ok: false, short: true });
    expect(readTiffLayout(file.subarray(0, frames[0]!.offset + 200), { firstOnly: true })).toMatchObject({ ok: true, frames: [{ width: 3 }] });
  });
});

describe("tiffFrameProblem", () => {
  it("accepts what the decoder reads: none, LZW, Deflate; 1, 8, 16-bit gray, palette, RGB and RGBA", () => {
    expect(problem(gray(4, 4, { compression: "deflate" }))).toBeNull();
    expect(problem({ width: 8, height: 1, bits: 1, samples: new Uint8Array([0b10101010]) })).toBeNull();
    expect(problem({ width: 2, height: 1, bits: 16, samples: new Uint16Array(2) })).toBeNull();
    expect(problem({ width: 2, height: 1, photometric: 3, samples: new Uint8Array(2), colorMap: Array(768).fill(0) })).toBeNull();
    expect(problem({ width: 2, height: 1, samplesPerPixel: 4, extraSamples: 2, samples: new Uint8Array(8) })).toBeNull();
    expect(problem({ width: 2, height: 1, samplesPerPixel: 2, extraSamples: 2, samples: new Uint8Array(4) })).toBeNull();
  });

  it("names what it cannot decode, and the pixel and memory limits, from the header alone", () => {
    expect(problem(gray(4, 4, { compression: 32773 }))?.message).toMatch(/^The image uses PackBits compression, which Pagewise cannot decode\. Pagewise reads uncompressed, LZW and Deflate/);
    expect(problem(gray(4, 4, { compression: 7 }))).toMatchObject({ code: "image_unsupported", message: expect.stringMatching(/JPEG compression/) });
    expect(problem(gray(4, 4, { compression: 4, bits: 1 }))?.message).toMatch(/CCITT Group 4 fax compression/);
    expect(problem({ width: 2, height: 1, samplesPerPixel: 4, photometric: 5, samples: new Uint8Array(8) })?.message).toMatch(/the CMYK colour model/);
    expect(problem({ width: 2, height: 1, bits: 1, samplesPerPixel: 3, samples: new Uint8Array(1) })?.message).toMatch(/1-bit RGB samples/);
    expect(problem({ width: 2, height: 1, photometric: 3, bits: 16, samples: new Uint16Array(2), colorMap: [] })?.message).toMatch(/16-bit palette samples/);
    expect(problem({ width: 0, height: 7, samples: new Uint8Array() })).toEqual({ code: "image_invalid", message: "The image has no pixels (0x7)." });
    expect(problem({ width: 100_000, height: 100_000, samples: new Uint8Array(1) })).toEqual({
      code: "image_too_large",
      message: "The image is 100000x100000 pixels; the limit is 100 megapixels.",
    });
    // Under the pixel cap, over the memory cap: 16-bit RGB at 81 megapixels.
    expect(problem({ width: 9000, height: 9000, bits: 16, samplesPerPixel: 3, samples: new Uint16Array(3) })).toMatchObject({ code: "image_too_large", message: expect.stringMatching(/1854 MiB, the limit is 768 MiB/) });
    expect(problem({ ...gray(10, 10), stripByteCount: 10_000 })).toEqual({ code: "image_invalid", message: "The TIFF is truncated: its image data goes past the end of the file." });
    const untagged = encodeTiff([gray(2, 2)]);
    const entry = layoutOf(untagged).frames[0]!.offset + 2 + 4 * 12; // the fifth entry: PhotometricInterpretation
    new DataView(untagged.buffer).setUint16(entry, 65000, true); // renamed to an unknown private tag
    expect(tiffFrameProblem(layoutOf(untagged).frames[0]!, untagged.length, 0, 1)?.message).toMatch(/no PhotometricInterpretation tag/);
    const file = encodeTiff([gray(2, 2), gray(0, 0)]);
    const { frames } = layoutOf(file);
    expect(tiffFrameProblem(frames[1]!, file.length, 1, 2)?.message).toBe("Frame 2 of the TIFF has no pixels (0x0).");
  });
});
