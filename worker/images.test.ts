import { Canvas, loadImage } from "@napi-rs/canvas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getObjectStream } from "../lib/s3";
import { createLogger } from "../lib/logger";
import { completeUpload, createUpload } from "../lib/server/uploads";
import { testContext, waitForDocument } from "../scripts/test/context";
import { encodeTiff, type FixtureFrame } from "../scripts/test/tiff-fixture";
import { startWorker, type StartedWorker } from "./start";

/** Images as one-page documents through the real queue, storage, render thread and model. */
const ctx = testContext({ QUEUE_SCHEMA: "q_images" });
let worker: StartedWorker;

beforeAll(async () => {
  await ctx.queue();
  worker = await startWorker({ env: ctx.env, logger: createLogger("images-worker") });
});
afterAll(async () => {
  await worker?.stop();
  await ctx.close();
});

/** A "scan": white paper with three dark text blocks, encoded by a real encoder. */
function scan(format: "image/png" | "image/jpeg" | "image/webp", width = 850, height = 1100): Uint8Array {
  const canvas = scanCanvas(width, height);
  return new Uint8Array(format === "image/png" ? canvas.toBuffer("image/png") : format === "image/jpeg" ? canvas.toBuffer("image/jpeg") : canvas.toBuffer("image/webp"));
}

function scanCanvas(width: number, height: number): Canvas {
  const canvas = new Canvas(width, height);
  const g = canvas.getContext("2d");
  g.fillStyle = "#fff";
  g.fillRect(0, 0, width, height);
  g.fillStyle = "#111";
  for (const [x, y, w, h] of [
    [100, 100, 650, 60],
    [100, 250, 650, 300],
    [100, 650, 300, 300],
  ]) g.fillRect(x!, y!, w!, h!);
  return canvas;
}

/** The scan as a TIFF frame: 8-bit RGB, 8-bit or 16-bit grayscale, or 1-bit bilevel. */
function scanFrame(kind: "rgb" | "gray" | "gray16" | "bilevel", compression: FixtureFrame["compression"], width = 850, height = 1100): FixtureFrame {
  const rgba = scanCanvas(width, height).getContext("2d").getImageData(0, 0, width, height).data;
  const n = width * height;
  if (kind === "rgb") return { width, height, samplesPerPixel: 3, compression, samples: new Uint8Array(n * 3).map((_, i) => rgba[Math.floor(i / 3) * 4 + (i % 3)]!) };
  if (kind === "gray") return { width, height, compression, samples: new Uint8Array(n).map((_, i) => rgba[i * 4]!) };
  if (kind === "gray16") return { width, height, bits: 16, compression, samples: new Uint16Array(n).map((_, i) => rgba[i * 4]! * 257) };
  const row = Math.ceil(width / 8);
  const packed = new Uint8Array(row * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if (rgba[(y * width + x) * 4]! > 127) packed[y * row + (x >> 3)]! |= 0x80 >> (x & 7);
  return { width, height, bits: 1, compression, samples: packed };
}

/** 1x1 frames (each its own directory): a file with many pages and hardly any bytes. */
function manyFrames(count: number): Uint8Array {
  return encodeTiff(Array.from({ length: count }, () => ({ width: 1, height: 1, samples: new Uint8Array([255]) })));
}

/** Signature, IHDR and IEND chunks: a well-formed start and end around no image data at all. */
function pngHeader(width: number, height: number): Uint8Array {
  const b = Buffer.alloc(8 + 25 + 12);
  b.write("\x89PNG\r\n\x1a\n", 0, "latin1");
  b.writeUInt32BE(13, 8);
  b.write("IHDR", 12, "latin1");
  b.writeUInt32BE(width, 16);
  b.writeUInt32BE(height, 20);
  b.writeUInt8(8, 24); // bit depth
  b.writeUInt8(2, 25); // RGB
  b.writeUInt32BE(0, 33);
  b.write("IEND", 37, "latin1");
  return new Uint8Array(b);
}

async function upload(bytes: Uint8Array, filename: string, contentType: string) {
  const { document, upload } = await createUpload(ctx, { filename, sizeBytes: bytes.length, contentType });
  expect(upload.headers["content-type"]).toBe(contentType);
  expect((await fetch(upload.url, { method: "PUT", headers: upload.headers, body: new Uint8Array(bytes) })).ok).toBe(true);
  return completeUpload({ ...ctx, queue: await ctx.queue() }, document.id);
}

describe("images as documents", () => {
  it("PNG, JPEG and WebP are processed end to end as one-page documents", async () => {
    const docs = await Promise.all([
      upload(scan("image/png"), "scan.png", "image/png"),
      upload(scan("image/jpeg"), "scan.jpg", "image/jpeg"),
      upload(scan("image/webp"), "scan.webp", "image/webp"),
    ]);
    for (const queued of docs) {
      const { doc, pages } = await waitForDocument(ctx, queued.id);
      expect(doc, doc.filename).toMatchObject({ status: "done", pageCount: 1, sourcePageCount: 1, pagesDone: 1, modelKind: "heuristic" });
      expect(pages).toHaveLength(1);
      expect(pages[0]).toMatchObject({ status: "done", widthPt: 850, heightPt: 1100, imageWidth: 800, imageHeight: 1035 });
      expect(pages[0]!.detectionCount, doc.filename).toBe(3);
    }
  });

  it("broken, empty, oversized and disguised images fail their own document with a reason", async () => {
    const png = scan("image/png");
    const [truncated, noData, empty, huge, svg, html, gif] = await Promise.all([
      upload(png.subarray(0, Math.floor(png.length / 2)), "cut.png", "image/png"),
      upload(pngHeader(10, 10), "no-data.png", "image/png"),
      upload(pngHeader(0, 0), "empty.png", "image/png"),
      upload(pngHeader(100_000, 100_000), "huge.png", "image/png"),
      upload(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>'), "drawing.png", "image/png"),
      upload(new TextEncoder().encode("<!doctype html><p>hi</p>"), "page.png", "image/png"),
      upload(new Uint8Array(Buffer.from("GIF89a\x0a\0\x0a\0\0\0\0;", "latin1")), "scan.gif", "image/png"),
    ]);
    expect(empty).toMatchObject({ status: "failed", errorCode: "image_invalid", errorMessage: "The image has no pixels (0x0)." });
    expect(huge).toMatchObject({ status: "failed", errorCode: "image_too_large", errorMessage: "The image is 100000x100000 pixels; the limit is 100 megapixels." });
    expect(svg).toMatchObject({ status: "failed", errorCode: "pdf_invalid", errorMessage: expect.stringMatching(/it is an SVG drawing\.$/) });
    expect(html).toMatchObject({ status: "failed", errorCode: "pdf_invalid", errorMessage: expect.stringMatching(/it is an HTML page\.$/) });
    expect(gif).toMatchObject({ status: "failed", errorCode: "pdf_invalid", errorMessage: expect.stringMatching(/it is a GIF image\.$/) });
    expect(truncated).toMatchObject({ status: "failed", errorCode: "image_invalid", errorMessage: "The PNG image is truncated (it does not end as one does)." });
    // Well-formed start and end, nothing to decode in between: the render thread refuses it.
    const { doc } = await waitForDocument(ctx, noData.id);
    expect(doc).toMatchObject({ status: "failed", errorCode: "image_invalid" });
    expect(doc.errorMessage).toMatch(/could not be decoded/);
  });
});

describe("TIFF documents", () => {
  it("a multi-page TIFF is processed end to end: one page per frame, each with its image", async () => {
    const frames = [scanFrame("rgb", "lzw"), scanFrame("gray", "deflate"), scanFrame("bilevel", "none"), scanFrame("gray16", "lzw")];
    const tiff = encodeTiff(frames);
    expect(tiff.length).toBeGreaterThan(64 * 1024); // directories after the image data, beyond the head read at upload
    const [all, range, bigEndian] = await Promise.all([
      upload(tiff, "scans.tif", "image/tiff"),
      (async () => {
        const { document, upload: put } = await createUpload(ctx, { filename: "scans.tiff", sizeBytes: tiff.length, contentType: "", pages: "2-3" });
        expect(put.headers["content-type"]).toBe("image/tiff");
        expect((await fetch(put.url, { method: "PUT", headers: put.headers, body: new Uint8Array(tiff) })).ok).toBe(true);
        return completeUpload({ ...ctx, queue: await ctx.queue() }, document.id);
      })(),
      upload(encodeTiff([scanFrame("gray", "deflate")], { bigEndian: true }), "motorola.tiff", "image/tiff"),
    ]);

    const { doc, pages } = await waitForDocument(ctx, all.id);
    expect(doc).toMatchObject({ status: "done", pageCount: 4, sourcePageCount: 4, pagesDone: 4, pagesFailed: 0 });
    expect(pages.map((p) => p.pageNumber)).toEqual([1, 2, 3, 4]);
    for (const page of pages) {
      expect(page, `frame ${page.pageNumber}`).toMatchObject({ status: "done", widthPt: 850, heightPt: 1100, imageWidth: 800, imageHeight: 1035 });
      expect(page.detectionCount, `frame ${page.pageNumber}`).toBe(3);
      // The stored image is the frame as drawn: white paper, the first text block dark.
      const image = await loadImage(Buffer.from(await (await getObjectStream(ctx.storage, page.imageKey!)).transformToByteArray()));
      const g = new Canvas(image.width, image.height).getContext("2d");
      g.drawImage(image, 0, 0);
      const at = (x: number, y: number) => g.getImageData(Math.round(x * (800 / 850)), Math.round(y * (1035 / 1100)), 1, 1).data;
      expect(at(50, 50)[0], `paper of frame ${page.pageNumber}`).toBeGreaterThan(240);
      expect(at(400, 130)[0], `text of frame ${page.pageNumber}`).toBeLessThan(60);
    }

    const ranged = await waitForDocument(ctx, range.id);
    expect(ranged.doc).toMatchObject({ status: "done", pageRange: "2-3", pageCount: 2, sourcePageCount: 4, pagesDone: 2 });
    expect(ranged.pages.map((p) => p.pageNumber)).toEqual([2, 3]);

    expect((await waitForDocument(ctx, bigEndian.id)).doc).toMatchObject({ status: "done", pageCount: 1, pagesDone: 1 });
  });

  it("truncated, empty, oversized, endless and undecodable TIFFs fail their own document with a reason", async () => {
    const good = encodeTiff([scanFrame("gray", "deflate")]);
    const jpeg = new Uint8Array(scanCanvas(200, 200).toBuffer("image/jpeg"));
    // A first frame large enough that the second's directory lies beyond the bytes read at upload.
    const big = scanFrame("gray", "none", 300, 300);
    const [cutDirectory, cutData, empty, huge, hugeBytes, endless, jpegInTiff, packBitsLater, hugeLater, corrupt, fine] = await Promise.all([
      upload(good.subarray(0, Math.floor(good.length / 2)), "cut.tiff", "image/tiff"),
      upload(encodeTiff([{ ...scanFrame("gray", "deflate", 100, 100), stripByteCount: 1_000_000 }]), "cut-data.tiff", "image/tiff"),
      upload(encodeTiff([{ width: 0, height: 0, samples: new Uint8Array() }]), "empty.tiff", "image/tiff"),
      upload(encodeTiff([{ width: 100_000, height: 100_000, samples: new Uint8Array(1) }]), "huge.tiff", "image/tiff"),
      upload(encodeTiff([{ width: 9000, height: 9000, bits: 16, samplesPerPixel: 3, samples: new Uint16Array(3) }]), "deep.tiff", "image/tiff"),
      upload(manyFrames(10_000), "endless.tiff", "image/tiff"),
      upload(encodeTiff([{ width: 200, height: 200, samplesPerPixel: 3, compression: 7, samples: new Uint8Array(), stripBytes: jpeg }]), "jpeg.tiff", "image/tiff"),
      upload(encodeTiff([big, { ...big, compression: 32773 }]), "packbits.tiff", "image/tiff"),
      upload(encodeTiff([big, big, { width: 100_000, height: 100_000, samples: new Uint8Array(1) }]), "huge-later.tiff", "image/tiff"),
      upload(encodeTiff([{ width: 100, height: 100, compression: 8, samples: new Uint8Array(), stripBytes: new Uint8Array(64).fill(7) }]), "corrupt.tiff", "image/tiff"),
      upload(good, "fine.tiff", "image/tiff"),
    ]);
    // Found at upload, from the first bytes.
    expect(cutDirectory).toMatchObject({ status: "failed", errorCode: "image_invalid", errorMessage: "The TIFF is truncated: its frame directory goes past the end of the file." });
    expect(cutData).toMatchObject({ status: "failed", errorCode: "image_invalid", errorMessage: "The TIFF is truncated: its image data goes past the end of the file." });
    expect(empty).toMatchObject({ status: "failed", errorCode: "image_invalid", errorMessage: "The image has no pixels (0x0)." });
    expect(huge).toMatchObject({ status: "failed", errorCode: "image_too_large", errorMessage: "The image is 100000x100000 pixels; the limit is 100 megapixels." });
    expect(hugeBytes).toMatchObject({ status: "failed", errorCode: "image_too_large", errorMessage: "The image is 9000x9000 pixels of 3 samples; decoding it would take 1854 MiB, the limit is 768 MiB." });
    expect(jpegInTiff).toMatchObject({ status: "failed", errorCode: "image_unsupported", errorMessage: expect.stringMatching(/^The image uses JPEG compression, which Pagewise cannot decode\. Pagewise reads uncompressed, LZW and Deflate TIFFs/) });

    // Found by the worker from the frame directories, before any frame is decoded.
    const failed = async (id: string) => (await waitForDocument(ctx, id)).doc;
    expect(await failed(endless.id)).toMatchObject({ status: "failed", errorCode: "too_many_pages", errorMessage: "The TIFF has 10000 frames (one page each); the limit is 2000 pages per document.", pageCount: null });
    expect(await failed(packBitsLater.id)).toMatchObject({ status: "failed", errorCode: "image_unsupported", errorMessage: expect.stringMatching(/^Frame 2 of the TIFF uses PackBits compression, which Pagewise cannot decode\./) });
    expect(await failed(hugeLater.id)).toMatchObject({ status: "failed", errorCode: "image_too_large", errorMessage: "Frame 3 of the TIFF is 100000x100000 pixels; the limit is 100 megapixels." });
    // Decoded and found broken: the page fails with the decoder's reason, and the worker goes on.
    const broken = await waitForDocument(ctx, corrupt.id);
    expect(broken.pages[0]).toMatchObject({ status: "failed", errorCode: "image_invalid" });
    expect(broken.pages[0]!.errorMessage).toMatch(/^The TIFF could not be decoded \(it is broken or truncated\)/);
    expect(broken.doc.status).toBe("failed");

    expect((await waitForDocument(ctx, fine.id)).doc).toMatchObject({ status: "done", pageCount: 1, pagesDone: 1 });
  });
});
