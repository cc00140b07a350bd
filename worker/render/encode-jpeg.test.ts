import { createCanvas } from "@napi-rs/canvas";
import { describe, expect, it } from "vitest";
import { decodeImage } from "../../scripts/fixtures/decode-image";
import { encodeJpeg } from "./encode-jpeg";

describe("encodeJpeg", () => {
  it("writes the canvas as a JPEG of its size, colours in the right channels", async () => {
    const canvas = createCanvas(321, 207);
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, 321, 207);
    ctx.fillStyle = "#d01010";
    ctx.fillRect(20, 20, 100, 80);
    ctx.fillStyle = "#1020d0";
    ctx.fillRect(180, 100, 120, 90);
    const source = ctx.getImageData(0, 0, 321, 207).data;

    const jpeg = await encodeJpeg(canvas, 88);
    expect([jpeg[0], jpeg[1], jpeg.at(-2), jpeg.at(-1)]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
    expect(jpeg.byteLength).toBeLessThan(source.byteLength / 10);

    const back = await decodeImage(jpeg);
    expect([back.width, back.height]).toEqual([321, 207]);
    let error = 0;
    for (let i = 0; i < source.length; i += 4) for (let c = 0; c < 3; c++) error += Math.abs(source[i + c]! - back.rgba[i + c]!);
    expect(error / ((source.length / 4) * 3)).toBeLessThan(3);
    const at = (x: number, y: number) => Array.from(back.rgba.subarray((y * 321 + x) * 4, (y * 321 + x) * 4 + 3));
    const [r1, g1, b1] = at(70, 60);
    expect(r1! - b1!).toBeGreaterThan(150);
    expect(g1).toBeLessThan(60);
    const [r2, , b2] = at(240, 145);
    expect(b2! - r2!).toBeGreaterThan(150);
  });

  it("leaves the canvas drawable and encodable again (its pixels were only read)", async () => {
    const canvas = createCanvas(64, 64);
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#00ff00";
    ctx.fillRect(0, 0, 64, 64);
    const first = await encodeJpeg(canvas, 88);
    ctx.fillStyle = "#000000";
    ctx.fillRect(0, 0, 64, 64);
    const second = await decodeImage(await encodeJpeg(canvas, 88));
    expect((await decodeImage(first)).rgba[1]).toBeGreaterThan(200);
    expect(second.rgba[1]).toBeLessThan(20);
  });
});
