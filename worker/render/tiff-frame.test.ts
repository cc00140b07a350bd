import { createCanvas } from "@napi-rs/canvas";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeTiff, type FixtureFrame } from "../../scripts/test/tiff-fixture";
import { drawTiffFrame, openTiff } from "./tiff-frame";

/** Frames decoded by the real decoder onto a real canvas: the pixels each kind of TIFF turns into. */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "tiff-frame-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
async function pixels(frames: FixtureFrame[], opts: { bigEndian?: boolean } = {}) {
  const file = path.join(dir, `${n++}.tif`);
  await writeFile(file, encodeTiff(frames, opts));
  const tiff = await openTiff(file);
  return frames.map((_, i) => {
    const canvas = createCanvas(1, 1);
    const { width, height } = drawTiffFrame(tiff, i, canvas);
    return { width, height, rgba: Array.from(canvas.getContext("2d").getImageData(0, 0, width, height).data) };
  });
}
const rgb = (rgba: number[]) => rgba.flatMap((v, i) => (i % 4 === 3 ? [] : [v]));

describe("drawTiffFrame", () => {
  it("turns gray, bilevel, 16-bit, palette, RGB and alpha samples into RGB on white, frame by frame", async () => {
    const [gray8, whiteIsZero, bilevel, gray16, palette, color, alpha] = await pixels([
      { width: 2, height: 1, samples: new Uint8Array([0, 200]), compression: "lzw" },
      { width: 2, height: 1, photometric: 0, samples: new Uint8Array([0, 200]) },
      { width: 9, height: 1, bits: 1, samples: new Uint8Array([0b10100000, 0b10000000]), compression: "deflate" },
      { width: 2, height: 1, bits: 16, samples: new Uint16Array([65535, 0x1234]) },
      { width: 2, height: 1, photometric: 3, samples: new Uint8Array([1, 0]), colorMap: [...[0, 0xff00], ...Array(254).fill(0), ...[0, 0x8000], ...Array(254).fill(0), ...[0, 0x1000], ...Array(254).fill(0)] },
      { width: 2, height: 1, samplesPerPixel: 3, samples: new Uint8Array([10, 20, 30, 250, 128, 0]), compression: "deflate" },
      { width: 2, height: 1, samplesPerPixel: 4, extraSamples: 2, samples: new Uint8Array([0, 0, 0, 0, 0, 0, 0, 255]) },
    ]);
    expect(rgb(gray8!.rgba)).toEqual([0, 0, 0, 200, 200, 200]);
    expect(rgb(whiteIsZero!.rgba)).toEqual([255, 255, 255, 55, 55, 55]);
    expect(bilevel).toMatchObject({ width: 9, height: 1 });
    expect(rgb(bilevel!.rgba).filter((_, i) => i % 3 === 0)).toEqual([255, 0, 255, 0, 0, 0, 0, 0, 255]);
    expect(rgb(gray16!.rgba)).toEqual([255, 255, 255, 0x12, 0x12, 0x12]);
    expect(rgb(palette!.rgba)).toEqual([0xff, 0x80, 0x10, 0, 0, 0]);
    expect(rgb(color!.rgba)).toEqual([10, 20, 30, 250, 128, 0]);
    expect(rgb(alpha!.rgba)).toEqual([255, 255, 255, 0, 0, 0]); // transparent reads as paper
  });

  it("reads big-endian files and a later frame without the earlier ones", async () => {
    const frames = Array.from({ length: 5 }, (_, i) => ({ width: 3, height: 2, samples: new Uint8Array(6).fill(i * 50), compression: "lzw" as const }));
    const file = path.join(dir, "be.tif");
    await writeFile(file, encodeTiff(frames, { bigEndian: true }));
    const tiff = await openTiff(file);
    const canvas = createCanvas(1, 1);
    expect(drawTiffFrame(tiff, 4, canvas)).toEqual({ width: 3, height: 2 });
    expect(canvas.getContext("2d").getImageData(1, 1, 1, 1).data[0]).toBe(200);
    drawTiffFrame(tiff, 1, canvas);
    expect(canvas.getContext("2d").getImageData(1, 1, 1, 1).data[0]).toBe(50);
    // The header is left as it was: the file still opens at its first frame.
    expect(new DataView(tiff.bytes.buffer, tiff.bytes.byteOffset).getUint32(4, false)).toBe(tiff.frames[0]!.offset);
  });
});
