import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pageDetections } from "../db/documents";
import { createLogger } from "../lib/logger";
import { headObject } from "../lib/s3";
import { buildDocument, buildPdf, encryptedPdf, hugeMediaBoxPage, inkBoxes, notAPdf, slowPage, standardLayoutPage, truncatedPdf, zeroPagePdf } from "../scripts/fixtures/test-pdf";
import { testContext, uploadPdf, waitForDocument } from "../scripts/test/context";
import { iou } from "../lib/iou";
import { startWorker, type StartedWorker } from "./start";

/** The whole page pipeline through the real queue: Postgres, S3 protocol, pdf.js, onnxruntime, no mocks. */
// DISPLAY_IMAGE_WIDTH 0: the model's render is the stored image, so every page fits the short time limit
// on a loaded machine (the display image is checked in worker/tasks/page__detect.test.ts).
const ctx = testContext({ QUEUE_SCHEMA: "q_pipeline", RENDER_TIMEOUT_MS: "1500", MAX_PAGES: "12", WORKER_CONCURRENCY: "2", DISPLAY_IMAGE_WIDTH: "0" });
let worker: StartedWorker;

beforeAll(async () => {
  await ctx.queue();
  worker = await startWorker({ env: ctx.env, logger: createLogger("test-worker") });
});
afterAll(async () => {
  await worker?.stop();
  await ctx.close();
});

describe("document pipeline", () => {
  it("renders every page, stores its image and finds the blocks where they are; blank pages have zero detections", async () => {
    const queued = await uploadPdf(ctx, buildDocument(3, { blankEvery: 3 }), "three-pages.pdf");
    expect(queued.status).toBe("queued");
    const { doc, pages } = await waitForDocument(ctx, queued.id);
    expect(doc).toMatchObject({ status: "done", pageCount: 3, pagesDone: 3, pagesFailed: 0, modelId: "baseline-heuristic", modelKind: "heuristic" });
    expect(pages.map((p) => p.status)).toEqual(["done", "done", "done"]);

    const [first, , blank] = pages;
    expect(first).toMatchObject({ widthPt: 612, heightPt: 792, imageWidth: 800, imageHeight: 1035 });
    expect((await headObject(ctx.storage, first!.imageKey!))?.size).toBeGreaterThan(1000);
    const found = await pageDetections(ctx.db, first!.id);
    const spec = standardLayoutPage();
    expect(found).toHaveLength(spec.blocks!.length);
    for (const ink of inkBoxes(spec)) {
      const expected = [ink.x1 / 612, ink.y1 / 792, ink.x2 / 612, ink.y2 / 792] as const;
      expect(Math.max(...found.map((d) => iou([d.x1, d.y1, d.x2, d.y2], expected)))).toBeGreaterThanOrEqual(0.8);
    }
    expect(blank).toMatchObject({ status: "done", detectionCount: 0 });
    expect(await pageDetections(ctx.db, blank!.id)).toEqual([]);
  });

  it("fails each broken upload with its own reason while a good one in the same batch completes", async () => {
    const docs = await Promise.all([
      uploadPdf(ctx, truncatedPdf(), "truncated.pdf"),
      uploadPdf(ctx, encryptedPdf(), "locked.pdf"),
      uploadPdf(ctx, zeroPagePdf(), "empty.pdf"),
      uploadPdf(ctx, buildDocument(13), "too-long.pdf"),
      uploadPdf(ctx, buildDocument(1), "fine.pdf"),
    ]);
    const results = await Promise.all(docs.map((d) => waitForDocument(ctx, d.id)));
    const [truncated, locked, empty, tooLong, fine] = results.map((r) => r.doc);
    expect(truncated).toMatchObject({ status: "failed", errorCode: "pdf_invalid" });
    expect(truncated!.errorMessage).toMatch(/not a valid PDF/);
    expect(locked).toMatchObject({ status: "failed", errorCode: "pdf_encrypted" });
    expect(locked!.errorMessage).toMatch(/password-protected/);
    expect(empty).toMatchObject({ status: "failed", errorCode: "pdf_no_pages" });
    expect(tooLong).toMatchObject({ status: "failed", errorCode: "too_many_pages" });
    expect(tooLong!.errorMessage).toMatch(/13 pages; the limit is 12/);
    expect(fine).toMatchObject({ status: "done", pagesDone: 1 });
  });

  it("a file that only claims to be a PDF never reaches the worker", async () => {
    const doc = await uploadPdf(ctx, notAPdf(), "fake.pdf");
    expect(doc).toMatchObject({ status: "failed", errorCode: "pdf_invalid" });
  });

  it("a page that renders too long fails alone, with the time limit in words; the next pages still run", async () => {
    const queued = await uploadPdf(ctx, buildPdf([standardLayoutPage(), slowPage(), standardLayoutPage()]), "slow.pdf");
    const { doc, pages } = await waitForDocument(ctx, queued.id);
    expect(doc).toMatchObject({ status: "done", pagesDone: 2, pagesFailed: 1 });
    expect(pages[1]).toMatchObject({ status: "failed", errorCode: "render_timeout" });
    expect(pages[1]!.errorMessage).toMatch(/longer than 1.5 s/);
    expect(pages[2]).toMatchObject({ status: "done" });
  });

  it("renders an enormous page under the pixel cap", async () => {
    const queued = await uploadPdf(ctx, buildPdf([hugeMediaBoxPage()]), "huge.pdf");
    const { doc, pages } = await waitForDocument(ctx, queued.id);
    expect(doc.status).toBe("done");
    expect(pages[0]!.imageWidth! * pages[0]!.imageHeight!).toBeLessThanOrEqual(ctx.env.MAX_PAGE_PIXELS);
    expect(pages[0]).toMatchObject({ widthPt: 14400, heightPt: 14400, detectionCount: 1 });
  });
});
