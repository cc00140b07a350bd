import type { Task } from "graphile-worker";
import { failDocument, getDocument } from "../../db/documents";
import { startProcessing } from "../../db/pages";
import { isAppError } from "../../lib/errors";
import { documentProcessPayload, jobKeys, MAX_ATTEMPTS } from "../../lib/jobs";
import { detectJobRouting } from "../../lib/models/routing";
import { enqueueRunPages } from "../../lib/run-jobs";
import { selectPages } from "../../lib/page-range";
import type { WorkerDeps } from "../deps";
import { classifyFailure, isLastAttempt } from "./retry";

/** Opens the PDF once, records its page count and fans out one `page__detect` job per page. */
export function documentProcess(deps: WorkerDeps): Task<"document__process"> {
  return async (payload, helpers) => {
    const { documentId } = documentProcessPayload.parse(payload);
    const log = deps.logger.scope({ jobId: helpers.job.id, task: "document__process", documentId });
    const doc = await getDocument(deps.db, documentId);
    if (!doc || (doc.status !== "queued" && doc.status !== "processing")) {
      log.info("nothing to do", { status: doc?.status ?? "deleted" });
      return;
    }

    if (doc.modelId && doc.modelId !== deps.model.manifest.id) {
      // An unrouted job (queued by an older web process) for a document that names another model: send it on.
      await helpers.addJob(detectJobRouting(doc.modelId).documentTask, { documentId }, { jobKey: jobKeys.document(documentId), maxAttempts: MAX_ATTEMPTS.document });
      log.info("sent to the workers of its model", { model: doc.modelId });
      return;
    }

    let pageCount: number;
    let format: "pdf" | "image" | "tiff";
    try {
      const lease = await deps.pdfCache.acquire(doc.id, doc.objectKey);
      try {
        ({ pageCount, format } = await deps.renderer.open(lease.file));
      } finally {
        await lease.release();
      }
    } catch (error) {
      if (isAppError(error)) {
        log.warn("document refused", { code: error.code, reason: error.message });
        await failDocument(deps.db, documentId, error.code, error.userMessage);
        await deps.pdfCache.drop(documentId);
        return;
      }
      if (isLastAttempt(helpers.job)) {
        const failure = classifyFailure(error);
        log.error("document failed after retries", { code: failure.code, error: String(error) });
        await failDocument(deps.db, documentId, failure.code, failure.message);
        await deps.pdfCache.drop(documentId);
        return;
      }
      throw error;
    }

    if (pageCount === 0) {
      await failDocument(deps.db, documentId, "pdf_no_pages", "The PDF has no pages.");
      return;
    }
    if (pageCount > deps.env.MAX_PAGES) {
      await failDocument(
        deps.db,
        documentId,
        "too_many_pages",
        format === "tiff"
          ? `The TIFF has ${pageCount} frames (one page each); the limit is ${deps.env.MAX_PAGES} pages per document.`
          : `The PDF has ${pageCount} pages; the limit is ${deps.env.MAX_PAGES} pages per document.`,
      );
      await deps.pdfCache.drop(documentId);
      return;
    }

    const selection = selectPages(doc.pageRange, pageCount);
    if ("error" in selection) {
      await failDocument(deps.db, documentId, "pages_out_of_range", selection.error);
      await deps.pdfCache.drop(documentId);
      return;
    }

    const { manifest } = deps.model;
    const { doc: started, openPages } = await startProcessing(
      deps.db,
      documentId,
      pageCount,
      { id: manifest.id, name: manifest.name, version: manifest.version, kind: manifest.kind, labels: manifest.labels },
      selection.pages,
    );
    if (!started) return;
    await enqueueRunPages(helpers, { documentId, number: 1, modelId: manifest.id }, openPages);
    log.info("queued pages", { pageCount, queued: openPages.length });
  };
}
