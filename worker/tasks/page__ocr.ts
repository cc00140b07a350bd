import type { Task } from "graphile-worker";
import { getDocument, getPage, pageDetections } from "../../db/documents";
import { notePage, storeOcrText } from "../../db/pages";
import { isAppError } from "../../lib/errors";
import { pageOcrPayload } from "../../lib/jobs";
import type { WorkerDeps } from "../deps";
import { ocrRegionText } from "../ocr/ocr-text";
import type { Recognizer } from "../ocr/recognizer";
import { ocrRenderRequest } from "../ocr/render";
import { isLastAttempt } from "./retry";

export type OcrDeps = Omit<WorkerDeps, "model"> & { recognizer: Recognizer };

/** Regions whose pixels are not text (pictures) are not read. */
const PICTURE = /^(figure|picture|image)$/i;

class OcrTimeout extends Error {}

/**
 * Reads the regions of a page without a usable text layer with OCR (queued by page__detect when OCR is on).
 * The page keeps its boxes whatever happens here; a failure or time-out only changes its note.
 */
export function pageOcr(deps: OcrDeps): Task<"page__ocr"> {
  return async (payload, helpers) => {
    const { documentId, pageNumber } = pageOcrPayload.parse(payload);
    const log = deps.logger.scope({ jobId: helpers.job.id, task: "page__ocr", documentId, pageNumber });
    const [doc, page] = await Promise.all([getDocument(deps.db, documentId), getPage(deps.db, documentId, pageNumber)]);
    if (!doc || !page || page.status !== "done" || !page.widthPt || !page.heightPt || page.textLayer === "ok") {
      log.debug("nothing to read", { page: page?.status });
      return;
    }
    const regions = (await pageDetections(deps.db, page.id)).filter((d) => !PICTURE.test(d.label));
    if (!regions.length) return;
    const lang = deps.env.OCR_LANG;
    try {
      const started = performance.now();
      const lease = await deps.pdfCache.acquire(doc.id, doc.objectKey);
      const rendered = await deps.renderer
        .render(ocrRenderRequest(lease.file, pageNumber, { widthPt: page.widthPt, heightPt: page.heightPt }))
        .finally(() => lease.release());
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new OcrTimeout()), deps.env.OCR_TIMEOUT_MS);
      });
      const reading = deps.recognizer.readRegions(rendered.image, regions.map((d) => ({ box: [d.x1, d.y1, d.x2, d.y2] })));
      reading.catch(() => {}); // after a time-out it ends with the closed recogniser, unheard
      const results = await Promise.race([reading, timeout]).finally(() => clearTimeout(timer));
      const why = page.textLayer === "none" ? "it has no text layer" : "its text layer was not usable";
      await storeOcrText(
        deps.db,
        page,
        regions.map((d, i) => ({ id: d.id, text: ocrRegionText(results[i]!.text, d.label), confidence: results[i]!.confidence })),
        `The text of this page was read by OCR (tesseract.js, ${lang}), since ${why}.`,
      );
      log.info("page read by OCR", { regions: regions.length, ms: Math.round(performance.now() - started) });
    } catch (error) {
      if (error instanceof OcrTimeout) {
        // The recogniser may be stuck in the middle of a region: a fresh one is started for the next page.
        await deps.recognizer.close();
        log.warn("OCR timed out", { ms: deps.env.OCR_TIMEOUT_MS });
        await notePage(deps.db, page, `OCR of this page took longer than ${Math.round(deps.env.OCR_TIMEOUT_MS / 1000)} s and was stopped; its boxes have no text.`);
        return;
      }
      if (isAppError(error) || isLastAttempt(helpers.job)) {
        log.warn("OCR failed", { reason: String(error) });
        const reason = isAppError(error) ? error.userMessage : "the recogniser failed";
        await notePage(deps.db, page, `OCR of this page failed (${reason}); its boxes have no text.`).catch(() => {});
        return;
      }
      throw error;
    }
  };
}
