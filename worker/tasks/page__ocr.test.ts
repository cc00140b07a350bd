import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { JobHelpers } from "graphile-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPage, pageDetections } from "../../db/documents";
import { createLogger } from "../../lib/logger";
import { scanPage } from "../../scripts/fixtures/scan";
import { blockTexts, buildPdf, imageOnlyPdf, paperPage } from "../../scripts/fixtures/test-pdf";
import { testContext, uploadPdf, waitFor, waitForDocument } from "../../scripts/test/context";
import { createRecognizer } from "../ocr/recognizer";
import { createPdfCache } from "../pdf-cache";
import { createRenderer } from "../render/renderer";
import { startWorker, type StartedWorker } from "../start";
import { pageOcr } from "./page__ocr";

/**
 * OCR as deployed apart: a detection worker (WORKER_TASKS=detect, OCR=on) queues page__ocr for a scanned
 * page, an OCR-only worker (WORKER_TASKS=ocr, no layout model) reads its regions. Real queue, Postgres, S3.
 */
const detectCtx = testContext({ QUEUE_SCHEMA: "q_ocr", OCR: "on", WORKER_TASKS: "detect", WORKER_CONCURRENCY: "1" });
const ocrCtx = testContext({ QUEUE_SCHEMA: "q_ocr", OCR: "on", WORKER_TASKS: "ocr", WORKER_CONCURRENCY: "1" });
const renderer = createRenderer({ timeoutMs: 60_000, maxPixels: 8_000_000 });
let detectWorker: StartedWorker;
let ocrWorker: StartedWorker | undefined;
let dir: string;
let scanned: Uint8Array;

beforeAll(async () => {
  await detectCtx.queue();
  dir = await mkdtemp(path.join(os.tmpdir(), "pagewise-ocr-task-"));
  const born = path.join(dir, "born.pdf");
  await writeFile(born, buildPdf([paperPage()]));
  scanned = imageOnlyPdf([await scanPage(renderer, born, false)]);
  detectWorker = await startWorker({ env: detectCtx.env, logger: createLogger("test-detect") });
});
afterAll(async () => {
  await detectWorker?.stop();
  await ocrWorker?.stop();
  await renderer.close();
  await detectCtx.close();
  await ocrCtx.close();
  await rm(dir, { recursive: true, force: true });
});

describe("page__ocr", () => {
  it("a page whose OCR times out keeps its boxes and says so; then the OCR worker reads the regions, marked as OCR", async () => {
    const doc = await uploadPdf(detectCtx, scanned, "scan.pdf");
    const { doc: done, pages } = await waitForDocument(detectCtx, doc.id);
    expect(done.status).toBe("done");
    expect(pages[0]).toMatchObject({ textLayer: "none" });
    expect(pages[0]!.note).toMatch(/no text layer; its regions are queued for OCR/);
    const boxes = await pageDetections(detectCtx.db, pages[0]!.id);
    expect(boxes.length).toBeGreaterThan(3);
    expect(boxes.every((d) => d.text === null)).toBe(true);

    // Too little time: the page keeps its boxes, gets a note, and the job ends without an error.
    const recognizer = createRecognizer({ lang: "eng" });
    const impatient = pageOcr({
      db: detectCtx.db,
      storage: detectCtx.storage,
      renderer,
      pdfCache: createPdfCache(detectCtx.storage),
      env: { ...detectCtx.env, OCR_TIMEOUT_MS: 1 },
      logger: createLogger("test-ocr-timeout"),
      recognizer,
    });
    await impatient({ documentId: doc.id, pageNumber: 1 }, { job: { id: "t", attempts: 1, max_attempts: 3 } } as unknown as JobHelpers);
    await recognizer.close();
    const timedOut = (await getPage(detectCtx.db, doc.id, 1))!;
    expect(timedOut.note).toMatch(/OCR of this page took longer than .* its boxes have no text/);
    expect(await pageDetections(detectCtx.db, timedOut.id)).toHaveLength(boxes.length);

    // The OCR-only worker takes the queued job.
    ocrWorker = await startWorker({ env: ocrCtx.env, logger: createLogger("test-ocr") });
    const read = await waitFor(
      async () => {
        const dets = await pageDetections(detectCtx.db, pages[0]!.id);
        return dets.some((d) => d.textSource === "ocr") && dets;
      },
      { timeoutMs: 240_000, what: "OCR text" },
    );
    const page = (await getPage(detectCtx.db, doc.id, 1))!;
    expect(page.note).toMatch(/read by OCR \(tesseract.js, eng\), since it has no text layer/);
    const title = blockTexts(paperPage())[0]!;
    expect(read.find((d) => d.label === "Title")).toMatchObject({ text: title, textSource: "ocr" });
    for (const d of read) {
      if (d.label === "Figure") expect(d.text).toBeNull();
      else expect(d.ocrConfidence).toBeGreaterThan(0.5);
    }
  }, 400_000);
});
