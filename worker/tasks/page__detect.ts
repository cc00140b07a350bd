import type { Task } from "graphile-worker";
import { getDocument, getPage } from "../../db/documents";
import { completePage, failPage, markPageProcessing } from "../../db/pages";
import { isAppError } from "../../lib/errors";
import { jobKeys, MAX_ATTEMPTS, pageDetectPayload } from "../../lib/jobs";
import { deletePrefix, objectKeys, putObject } from "../../lib/s3";
import type { WorkerDeps } from "../deps";
import { freeNow } from "../free-buffer";
import { renderPolicy } from "../model/policy";
import { detectOnPage } from "../detect-page";
import { detectRunPage } from "../run-detect";
import { pageContent } from "../text/page-content";
import { classifyFailure, isLastAttempt } from "./retry";

/**
 * The viewer's image: drawn at its own width as JPEG (libwebp costs ~5x as much per pixel, which at twice
 * the model's width would no longer hide behind inference; see scripts/bench-render.ts), or, with width 0,
 * the model's own render as WebP.
 */
export function displayImage(width: number) {
  return width > 0
    ? { request: { imageFormat: "jpeg", displayWidth: width }, ext: "jpg", contentType: "image/jpeg" } as const
    : { request: { imageFormat: "webp" }, ext: "webp", contentType: "image/webp" } as const;
}

/** A page without a usable text layer: its regions are read by OCR when that is on. */
const ocrNote = (note: string | null, ocr: "on" | "off") =>
  note && (ocr === "on" ? note.replace("it needs OCR for its text.", "its regions are queued for OCR.") : `${note.replace(/\.$/, "")} (OCR is off).`);

/** Renders one page, runs the model on it and stores image + detections. */
export function pageDetect(deps: WorkerDeps): Task<"page__detect"> {
  return async (payload, helpers) => {
    const { documentId, pageNumber, run } = pageDetectPayload.parse(payload);
    const log = deps.logger.scope({ jobId: helpers.job.id, task: "page__detect", documentId, pageNumber, ...(run === 1 ? {} : { run }) });
    if (run !== 1) return detectRunPage(deps, helpers, log, documentId, pageNumber, run);
    const [doc, page] = await Promise.all([getDocument(deps.db, documentId), getPage(deps.db, documentId, pageNumber)]);
    if (!doc || !page || doc.status !== "processing" || page.status === "done" || page.status === "cancelled") {
      log.debug("nothing to do", { status: doc?.status ?? "deleted", page: page?.status });
      return;
    }
    await markPageProcessing(deps.db, page);
    const display = displayImage(deps.env.DISPLAY_IMAGE_WIDTH);

    try {
      const lease = await deps.pdfCache.acquire(doc.id, doc.objectKey);
      let rendered: Awaited<ReturnType<typeof deps.renderer.render>>;
      try {
        rendered = await deps.renderer.render({
          pdfPath: lease.file,
          pageNumber,
          resize: renderPolicy(deps.model),
          inputFormat: deps.model.manifest.inputFormat,
          ...display.request,
        });
      } finally {
        // The render thread has read the file; inference does not need it.
        await lease.release();
      }
      const imageKey = objectKeys.pageImage(documentId, pageNumber, display.ext);
      const uploaded = putObject(deps.storage, imageKey, rendered.image, display.contentType);
      uploaded.catch(() => {}); // awaited below; keeps an early rejection from being reported as unhandled

      let ran: Awaited<ReturnType<typeof detectOnPage>>;
      try {
        ran = await detectOnPage(deps.model, rendered, log);
      } finally {
        // Neither buffer is needed once the model has run and the upload has settled.
        await uploaded.catch(() => {});
        freeNow(rendered.modelInput, rendered.image);
      }
      await uploaded;
      const { detections, inferMs, note } = ran;

      const w = rendered.imageWidth;
      const h = rendered.imageHeight;
      const boxes = detections.map((d) => [d.box[0] / w, d.box[1] / h, d.box[2] / w, d.box[3] / h] as [number, number, number, number]);
      const content = pageContent(rendered.text, detections.map((d, i) => ({ label: d.label, box: boxes[i]! })), {
        widthPt: rendered.widthPt,
        heightPt: rendered.heightPt,
      });
      await completePage(deps.db, page, {
        widthPt: rendered.widthPt,
        heightPt: rendered.heightPt,
        imageKey,
        imageWidth: w,
        imageHeight: h,
        renderMs: Math.round(rendered.renderMs),
        inferMs: Math.round(inferMs),
        note: [note, detections.length ? ocrNote(content.note, deps.env.OCR) : null].filter(Boolean).join(" ") || null,
        textLayer: content.textLayer,
        unassignedText: content.unassignedText,
        textMs: Math.round(content.textMs),
        detections: detections.map((d, i) => ({
          classIndex: d.classIndex,
          label: d.label,
          score: d.score,
          x1: d.box[0] / w,
          y1: d.box[1] / h,
          x2: d.box[2] / w,
          y2: d.box[3] / h,
          polygon: d.polygon ? d.polygon.map(([x, y]) => [x / w, y / h] as [number, number]) : null,
          ...content.regions[i]!,
        })),
      });
      if (deps.env.OCR === "on" && detections.length && content.textLayer !== "ok") {
        await helpers.addJob("page__ocr", { documentId, pageNumber }, { jobKey: jobKeys.ocr(documentId, pageNumber), maxAttempts: MAX_ATTEMPTS.ocr });
      }
      log.info("page done", { detections: detections.length, renderMs: Math.round(rendered.renderMs), inferMs: Math.round(inferMs) });
    } catch (error) {
      // Deleted while this page was in progress: its writes failed on the missing rows, and what it stored
      // (the page image, put after the deletion emptied the document's prefix) is removed here.
      if (await getDocument(deps.db, documentId).then((d) => !d, () => false)) {
        await deletePrefix(deps.storage, objectKeys.documentPrefix(documentId));
        log.info("document deleted while its page was processed");
        return;
      }
      if (isAppError(error)) {
        log.warn("page failed", { code: error.code, reason: error.message });
        await failPage(deps.db, page, error.code, error.userMessage);
        return;
      }
      if (isLastAttempt(helpers.job)) {
        const failure = classifyFailure(error);
        log.error("page failed after retries", { code: failure.code, error: String(error) });
        await failPage(deps.db, page, failure.code, failure.message);
        return;
      }
      throw error;
    }
  };
}
