import { Canvas } from "@napi-rs/canvas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../lib/logger";
import { completeUpload, createUpload } from "../lib/server/uploads";
import { testContext, waitForDocument } from "../scripts/test/context";
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
  return new Uint8Array(format === "image/png" ? canvas.toBuffer("image/png") : format === "image/jpeg" ? canvas.toBuffer("image/jpeg") : canvas.toBuffer("image/webp"));
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
    const [truncated, noData, empty, huge, svg, html, tiff] = await Promise.all([
      upload(png.subarray(0, Math.floor(png.length / 2)), "cut.png", "image/png"),
      upload(pngHeader(10, 10), "no-data.png", "image/png"),
      upload(pngHeader(0, 0), "empty.png", "image/png"),
      upload(pngHeader(100_000, 100_000), "huge.png", "image/png"),
      upload(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>'), "drawing.png", "image/png"),
      upload(new TextEncoder().encode("<!doctype html><p>hi</p>"), "page.png", "image/png"),
      upload(new Uint8Array(Buffer.from("II*\0\x08\0\0\0\0\0", "latin1")), "scan.tiff", "image/png"),
    ]);
    expect(empty).toMatchObject({ status: "failed", errorCode: "image_invalid", errorMessage: "The image has no pixels (0x0)." });
    expect(huge).toMatchObject({ status: "failed", errorCode: "image_too_large", errorMessage: "The image is 100000x100000 pixels; the limit is 100 megapixels." });
    expect(svg).toMatchObject({ status: "failed", errorCode: "pdf_invalid", errorMessage: expect.stringMatching(/it is an SVG drawing\.$/) });
    expect(html).toMatchObject({ status: "failed", errorCode: "pdf_invalid", errorMessage: expect.stringMatching(/it is an HTML page\.$/) });
    expect(tiff).toMatchObject({ status: "failed", errorCode: "pdf_invalid", errorMessage: expect.stringMatching(/it is a TIFF image\.$/) });
    expect(truncated).toMatchObject({ status: "failed", errorCode: "image_invalid", errorMessage: "The PNG image is truncated (it does not end as one does)." });
    // Well-formed start and end, nothing to decode in between: the render thread refuses it.
    const { doc } = await waitForDocument(ctx, noData.id);
    expect(doc).toMatchObject({ status: "failed", errorCode: "image_invalid" });
    expect(doc.errorMessage).toMatch(/could not be decoded/);
  });
});
