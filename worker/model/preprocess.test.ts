import { describe, expect, it } from "vitest";
import { resizeBilinear, rgbaToChw, shortestEdgeSize } from "./preprocess";
import { PILLOW_SAMPLE, preprocessSamplePage, sha256 } from "./sample-page-reference";
import { missingSharedFiles, SHARED_SAMPLE_PNG } from "./test-models";

const gray = (values: number[]) => Uint8ClampedArray.from(values.flatMap((v) => [v, v, v, 255]));

/** RGB bytes from the C library's LCG, so Python can make the same image: x = x * 1103515245 + 12345 mod 2^31. */
function lcgRgba(width: number, height: number, seed: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(width * height * 4);
  let x = BigInt(seed);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) {
      x = (x * 1103515245n + 12345n) % 2147483648n;
      out[p * 4 + c] = Number((x >> 16n) & 255n);
    }
    out[p * 4 + 3] = 255;
  }
  return out;
}

const rgbOf = (rgba: Uint8ClampedArray) => Uint8Array.from(rgba.filter((_, i) => i % 4 !== 3));

/**
 * Made with Pillow 9.4 (Debian 12): Image.frombytes("RGB", (w, h), lcg(seed)).resize((nw, nh), Image.BILINEAR),
 * the call Detectron2's ResizeTransform makes; the RGB bytes, base64.
 */
const PIL_CASES: Array<[number, number, number, number, number, string]> = [
  [23, 17, 9, 7, 1, "rZqGfZCTYopahmiGeXKLl2N6d2RvfHpzlnpRf3djZolugn6EfWuMeYyKfI6Vam2Hendsk3NtYHB3YZtTiGV4c2d0Ynlmnn2BdIGAUHJ6f2NogneBjKBti457o2iFZm+ikYOkh4t9j22OX5xMkFpzkHBMnGpdhWV2kXZ+gY2cXYGGdbB7iIhwnX5reo5PeHhecoZvbXOMfnR+e3OKlHxyp3mPj5xsYZh0f5Rxl7mQe6ZWeVB1oHKJkpV+bmB+"],
  [7, 5, 19, 11, 2, "jCH/iyz9gXfud8LfZOrBQ+KPIdtcF8c+Fa4pE5UTXWgwpztO3yhZ61Q394AV+5wm+axd9r2U9r+cnBz5mif2inDberjAY9+mQdeNHtBzGb9aH6lCJZIpXXFElU9gwj9s1VpS53Q5541G2qRuy7yXyr+dxRDrwBrkoF2sgaB0YMNkO7yIFrasHqqgOJuBUYxhXYZ3aYCMenibnWiXv1eUtmiVjJGZYLqeW8Cf2BLX0hvOp1WKfo9FWa0+OKWFGJ3NKZPMToeuc3yPW5KaQ6ilPqqwaHe9kkTJg0nDSniyD6ihCK+elE+skFSqc3qbVaCNRK2HQZyLPoqOSnSRW12TbEWWVHmDPK1wL8NjP41lTlZnS0RxOE2AJlaPI1iSUYyAT46GPp+tLbDVL63QSpKQZXdPa1VWZzJ5ZA6cTGBrNLI6INwVFqIOC2kGEz8eJyJOPAV+PwGFRbJgRbBkQqd9P56WToqQdWhinEYyiUZHYFV2N2KlQHyHSZdqU59RYHhAbFIudkI3fENTg0RvhUR0ONdAOtJCRa9NUIxYbWZRnz4z0hYWqDc4WHdzCbatM5ijXnuahmGMqU5yzTtX2ERR0mNZy4Nhyohib8FOb75Pba1Wa5tefYhUqnI011wUvHUvhKFiTMuUcJ+JlXN/sFZ4tlt3vV92t2Z0qm5xm3dtmXhttpxmtJ1nnqluiLN2irtprb5Bz8EZzcYovMxNq9Fyv6Bh1HBR2FdPtHVxkZOTdZCaYnSNTVeASlN+041wz5Bxsad4k71/j9BxrtxGzOkb1OYl0t1F0dNk36FR7W8+6Fc/s4Bvf6ieW6GpRXaYLkqHK0SF"],
  [40, 10, 40, 3, 3, "VV1cf62WiZdwd5JseYabM30zmI2UdYuLkrOBiLFvrHtRhH2HTqpPU0WuhJmjv3FlhGlfYryHS31lh4qMjaqhfo1bR2xYn26Rjne0c2Z5iVGjnlFgoUBugFagW3aQsW/IoKxKWlh1W588ip3EqGyUzzmubnI/Y5N0WZNOn2BphoNeV4NLNpFnPpqBtn9XfIVelHmYZpJgpH1/saWeiaeBhH1hYLZqiHhchJB0rdmLY2V6pH/GZ7WCcVRciJJVhV9Ppq+SulWjhmRpfz1ZMYVNd4t9V46Ui12hcKyPgZ99fqNzh2SjoW2opHiLb1OCdJJ2HnyWg02Kt7FncqpleoaBj9yxoahddKlygpeEiphnu4lZhFW9v4RamZmShHZYZbDIomaygF6QN8+mmp6ymK9rjaNVTKWCYLZdscbQjCxriJGOWLFpgJJGRWGidl91n7GFhnCmn6aYnK0ns26mZ7Cit7RznH9tk0dn"],
  [16, 16, 8, 8, 4, "fmyAdH9hgoxei6NqiH1ztcGAYZRQW3s6c4lQfpNReaJaq4KEl1WEUW1oXGRwcJZaiaGYm5Z7hXt9j4t9lnWme5aLgpppi4hijY6GiJyQno+PiIOIjHuJc5KUYoiKip+AZ7FbXmuYj3aEuG+piX93Zn6WaWSMeGaxX32IaIJ7bHhvhHiAdaF9o1mcZWhzZHeJXXNnf3hlnG1oe5ppbLVhjqOAjIWepnOzWYM/r5SCjICfgHpmcXdRgoatmXejYaeM"],
  [61, 3, 5, 2, 5, "cmd/aItrloZokYRwflhyeoJweHGHhn2DjoV1iW1n"],
];

describe("pre-processing", () => {
  it("sizes pages like ResizeShortestEdge(800, 1333)", () => {
    expect(shortestEdgeSize(1275, 1650, 800, 1333)).toEqual({ width: 800, height: 1035 });
    expect(shortestEdgeSize(612, 792, 800, 1333)).toEqual({ width: 800, height: 1035 });
    expect(shortestEdgeSize(1190, 842, 800, 1333)).toEqual({ width: 1131, height: 800 });
    expect(shortestEdgeSize(612, 2000, 800, 1333)).toEqual({ width: 408, height: 1333 });
  });

  it("resamples like PIL's antialiased bilinear filter, not plain interpolation", () => {
    // PIL: Image.fromarray([[0, 0, 255, 255]]).resize((2, 1), BILINEAR) -> [36, 219]
    const out = resizeBilinear(gray([0, 0, 255, 255]), 4, 1, 2, 1);
    expect([out[0], out[4]]).toEqual([36, 219]);
    const flat = resizeBilinear(gray(Array(30 * 20).fill(123)), 30, 20, 7, 11);
    expect(new Set(flat.filter((_, i) => i % 4 !== 3))).toEqual(new Set([123]));
  });

  it.each(PIL_CASES)("matches Pillow exactly: noise %ix%i -> %ix%i (seed %i)", (w, h, nw, nh, seed, expected) => {
    const ours = rgbOf(resizeBilinear(lcgRgba(w, h, seed), w, h, nw, nh));
    expect(Buffer.from(ours).toString("base64")).toBe(expected);
  });

  it("lays out channels first, in the requested order, with raw 0..255 values", () => {
    const rgba = Uint8ClampedArray.from([10, 20, 30, 255, 40, 50, 60, 255]);
    expect(Array.from(rgbaToChw(rgba, 2, 1, "BGR"))).toEqual([30, 60, 20, 50, 10, 40]);
    expect(Array.from(rgbaToChw(rgba, 2, 1, "RGB"))).toEqual([10, 40, 20, 50, 30, 60]);
  });
});

describe.skipIf(missingSharedFiles().includes(SHARED_SAMPLE_PNG))("pre-processing of the shared sample page", () => {
  it("gives exactly Pillow's bytes for the sample PNG resized to 800x1035, BGR CHW", async () => {
    const { sourceSha256, original, size, input } = await preprocessSamplePage();
    expect(sourceSha256, "the sample page is the one the Pillow reference was made from").toBe(PILLOW_SAMPLE.sourceSha256);
    expect(original).toEqual({ width: 1275, height: 1650 });
    const { width: w, height: h } = PILLOW_SAMPLE;
    expect(size).toEqual({ width: w, height: h });
    expect(input.length).toBe(3 * w * h);
    for (const [x, y, b, g, r] of PILLOW_SAMPLE.pixelsXyBgr) {
      expect([0, 1, 2].map((c) => input[c * w * h + y * w + x]), `pixel (${x}, ${y}), BGR`).toEqual([b, g, r]);
    }
    expect(sha256(Uint8Array.from(input))).toBe(PILLOW_SAMPLE.sha256);
  });
});
