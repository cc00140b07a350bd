import type { JobHelpers } from "graphile-worker";
import { getDocument, getPage } from "../db/documents";
import { completeRunPage, failRunPage, getRun, getRunPage, markRunPageProcessing } from "../db/runs";
import { isAppError } from "../lib/errors";
import type { WorkerDeps } from "./deps";
import { detectOnPage } from "./detect-page";
import { freeNow } from "./free-buffer";
import { renderPolicy } from "./model/policy";
import { pageContent } from "./text/page-content";
import { classifyFailure, isLastAttempt } from "./tasks/retry";

export const MODEL_NOT_SERVED = "model_not_served";

/**
 * One page of a later run (2, 3, …): the page was rendered and its image stored by run 1, so only the model
 * input is drawn again; the run's detections (with their text from the page's text layer) replace that run's
 * earlier ones on the page. OCR is run 1's only. The model is the worker's own: a run made with another
 * model fails its pages here, clearly, rather than being detected by the wrong one.
 */
export async function detectRunPage(
  deps: WorkerDeps,
  helpers: Pick<JobHelpers, "job">,
  log: WorkerDeps["logger"],
  documentId: string,
  pageNumber: number,
  runNumber: number,
) {
  const [doc, page, run, result] = await Promise.all([
    getDocument(deps.db, documentId),
    getPage(deps.db, documentId, pageNumber),
    getRun(deps.db, documentId, runNumber),
    getRunPage(deps.db, documentId, runNumber, pageNumber),
  ]);
  if (!doc || !page || !run || !result || run.status !== "processing" || result.status === "done" || result.status === "cancelled") {
    log.debug("nothing to do", { run: run?.status ?? "deleted", page: result?.status });
    return;
  }
  const { manifest } = deps.model;
  if (manifest.id !== run.modelId) {
    log.warn("run needs a model this worker does not serve", { run: runNumber, needs: run.modelId, serves: manifest.id });
    await failRunPage(deps.db, run, page, MODEL_NOT_SERVED, `Run ${runNumber} needs the model "${run.modelId}"; the worker that took this page serves "${manifest.id}".`);
    return;
  }
  await markRunPageProcessing(deps.db, run, pageNumber);
  try {
    const lease = await deps.pdfCache.acquire(doc.id, doc.objectKey);
    let rendered: Awaited<ReturnType<typeof deps.renderer.render>>;
    try {
      rendered = await deps.renderer.render({ pdfPath: lease.file, pageNumber, resize: renderPolicy(deps.model), inputFormat: manifest.inputFormat, imageFormat: "webp" });
    } finally {
      await lease.release();
    }
    let ran: Awaited<ReturnType<typeof detectOnPage>>;
    try {
      ran = await detectOnPage(deps.model, rendered, log);
    } finally {
      freeNow(rendered.modelInput, rendered.image);
    }
    const { detections, inferMs, note } = ran;
    const w = rendered.imageWidth;
    const h = rendered.imageHeight;
    const boxes = detections.map((d) => [d.box[0] / w, d.box[1] / h, d.box[2] / w, d.box[3] / h] as [number, number, number, number]);
    const content = pageContent(rendered.text, detections.map((d, i) => ({ label: d.label, box: boxes[i]! })), { widthPt: rendered.widthPt, heightPt: rendered.heightPt });
    await completeRunPage(deps.db, run, page, {
      inferMs: Math.round(inferMs),
      note,
      detections: detections.map((d, i) => ({
        classIndex: d.classIndex,
        label: d.label,
        score: d.score,
        x1: boxes[i]![0],
        y1: boxes[i]![1],
        x2: boxes[i]![2],
        y2: boxes[i]![3],
        polygon: d.polygon ? d.polygon.map(([x, y]) => [x / w, y / h] as [number, number]) : null,
        ...content.regions[i]!,
      })),
    });
    log.info("run page done", { run: runNumber, detections: detections.length, inferMs: Math.round(inferMs) });
  } catch (error) {
    if (await getDocument(deps.db, documentId).then((d) => !d, () => false)) return;
    if (isAppError(error)) {
      await failRunPage(deps.db, run, page, error.code, error.userMessage);
      return;
    }
    if (isLastAttempt(helpers.job)) {
      const failure = classifyFailure(error);
      log.error("run page failed after retries", { run: runNumber, code: failure.code, error: String(error) });
      await failRunPage(deps.db, run, page, failure.code, failure.message);
      return;
    }
    throw error;
  }
}
