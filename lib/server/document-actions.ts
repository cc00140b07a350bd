import { and, eq, inArray } from "drizzle-orm";
import type { WorkerUtils } from "graphile-worker";
import type { Db } from "../../db/client";
import { deleteDocumentRow, getDocument, transitionDocument } from "../../db/documents";
import { detections, pages, runPages, type Document } from "../../db/schema";
import { env } from "../env";
import { AppError } from "../errors";
import { retryVerdict } from "../retry-rule";
import { jobKeys } from "../jobs";
import { deletePrefix, objectKeys, type Storage } from "../s3";
import { enqueueDocument } from "./uploads";

type Deps = { db: Db; storage: Storage; queue: WorkerUtils };

async function mustGet(db: Db, id: string): Promise<Document> {
  const doc = await getDocument(db, id);
  if (!doc) throw new AppError("not_found", "document not found", "Document not found.");
  return doc;
}

/** Failed or cancelled documents go back to the queue, unless the failure cannot change; pages already done are kept. */
export async function retryDocument(deps: Deps, id: string): Promise<Document> {
  const doc = await mustGet(deps.db, id);
  const verdict = retryVerdict(doc);
  if (!verdict.retryable) {
    throw new AppError(doc.status === "failed" ? "not_retryable" : "conflict", `not retryable (${doc.status}, ${doc.errorCode ?? "no code"})`, verdict.why);
  }
  const queued = await deps.db.transaction(async (tx) => {
    await tx
      .update(pages)
      .set({ status: "pending", errorCode: null, errorMessage: null })
      .where(and(eq(pages.documentId, id), inArray(pages.status, ["failed", "cancelled", "processing"])));
    return transitionDocument(tx, id, ["failed", "cancelled"], {
      status: "queued",
      errorCode: null,
      errorMessage: null,
      finishedAt: null,
    });
  });
  await enqueueDocument(deps.queue, queued ?? doc);
  return queued ?? doc;
}

/** Pending page jobs are removed; a page already running finishes; the document ends as cancelled. */
export async function cancelDocument(deps: Deps, id: string): Promise<Document> {
  const doc = await mustGet(deps.db, id);
  const cancelled = await deps.db.transaction(async (tx) => {
    const result = await transitionDocument(tx, id, ["uploading", "queued", "processing"], {
      status: "cancelled",
      finishedAt: new Date(),
    });
    if (result) {
      await tx
        .update(pages)
        .set({ status: "cancelled" })
        .where(and(eq(pages.documentId, id), eq(pages.status, "pending")));
      await tx
        .update(runPages)
        .set({ status: "cancelled" })
        .where(and(eq(runPages.documentId, id), eq(runPages.runNumber, 1), eq(runPages.status, "pending")));
    }
    return result;
  });
  if (!cancelled) {
    throw new AppError("conflict", "not cancellable", `Only documents in progress can be cancelled (this one is ${doc.status}).`);
  }
  // Page numbers from the rows: with a page selection they are not 1..pageCount.
  const rows = await deps.db.select({ n: pages.pageNumber }).from(pages).where(eq(pages.documentId, id));
  const keys = [jobKeys.document(id), ...rows.map((r) => jobKeys.page(id, r.n))];
  // remove_job leaves a locked (running) job alone: that page finishes, as promised.
  await deps.queue.withPgClient((client) =>
    client.query(`select "${env().QUEUE_SCHEMA}".remove_job(k) from unnest($1::text[]) as k`, [keys]),
  );
  return cancelled;
}

/** Removes the rows (pages, detections and events cascade) and every stored object of the document. */
export async function deleteDocument(deps: Deps, id: string): Promise<void> {
  const doc = await mustGet(deps.db, id);
  if (doc.status === "processing" || doc.status === "queued") await cancelDocument(deps, id);
  await deps.db.delete(detections).where(eq(detections.documentId, id));
  await deleteDocumentRow(deps.db, id);
  await deletePrefix(deps.storage, objectKeys.documentPrefix(id));
}
