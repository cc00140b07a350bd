import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as uploadsRoute from "../app/api/uploads/route";
import { createLogger } from "../lib/logger";
import { completeUpload, createUpload } from "../lib/server/uploads";
import { buildDocument } from "../scripts/fixtures/test-pdf";
import { testContext, waitForDocument } from "../scripts/test/context";
import { call } from "../scripts/test/routes";
import { startWorker, type StartedWorker } from "./start";

/** Page selections through the real queue: only the asked pages are rendered and detected. */
const ctx = testContext({ QUEUE_SCHEMA: "q_page_range" });
let worker: StartedWorker;

beforeAll(async () => {
  await ctx.queue();
  worker = await startWorker({ env: ctx.env, logger: createLogger("page-range-worker") });
});
afterAll(async () => {
  await worker?.stop();
  await ctx.close();
});

async function upload(bytes: Uint8Array, pages: string) {
  const { document, upload } = await createUpload(ctx, { filename: "range.pdf", sizeBytes: bytes.length, contentType: "application/pdf", pages });
  const put = await fetch(upload.url, { method: "PUT", headers: upload.headers, body: new Uint8Array(bytes) });
  expect(put.ok).toBe(true);
  return completeUpload({ ...ctx, queue: await ctx.queue() }, document.id);
}

describe("page ranges", () => {
  it("renders and detects only the selected pages; the document says which it covers", async () => {
    const queued = await upload(buildDocument(6), "5, 2-3");
    expect(queued.pageRange).toBe("2-3,5");
    const { doc, pages } = await waitForDocument(ctx, queued.id);
    expect(doc).toMatchObject({ status: "done", pageRange: "2-3,5", pageCount: 3, sourcePageCount: 6, pagesDone: 3 });
    expect(pages.map((p) => [p.pageNumber, p.status])).toEqual([
      [2, "done"],
      [3, "done"],
      [5, "done"],
    ]);
    expect(pages.every((p) => p.imageKey && p.detectionCount !== null)).toBe(true);
  });

  it("fails the document, with the page count in the reason, when selected pages are not in the file", async () => {
    const queued = await upload(buildDocument(3), "2-4");
    const { doc, pages } = await waitForDocument(ctx, queued.id);
    expect(doc).toMatchObject({ status: "failed", errorCode: "pages_out_of_range" });
    expect(doc.errorMessage).toBe("The file has 3 pages; the selected pages 2-4 are not in it.");
    expect(pages).toEqual([]);
  });

  it("refuses an invalid selection at upload with a 400 that says why", async () => {
    for (const [pages, reason] of [
      ["4-2", /runs backwards/],
      ["0", /start at 1/],
      ["one,two", /like "1-5,8"/],
    ] as const) {
      const res = await call(uploadsRoute.POST, {
        path: "/api/uploads",
        method: "POST",
        json: { filename: "a.pdf", sizeBytes: 100, contentType: "application/pdf", pages },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
      expect(res.body.error.message).toMatch(reason);
    }
  });
});
