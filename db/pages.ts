import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "./client";
import { insertDetections } from "./detections";
import { transitionDocument } from "./documents";
import { recordEvent, type Tx } from "./events";
import { recordFirstRunPage, startFirstRun } from "./runs";
import { detections, documents, pages, type NewDetection, type Page } from "./schema";

/**
 * Creates the page rows (idempotent) and moves the document to `processing`. `pageNumbers` (default: all
 * `pageCount` pages of the file) are the pages the document covers; its `pageCount` becomes their number.
 */
export async function startProcessing(
  db: Db,
  documentId: string,
  pageCount: number,
  model: { id: string; name: string; version: string; kind: string; labels: string[] },
  pageNumbers: number[] = Array.from({ length: pageCount }, (_, i) => i + 1),
) {
  return db.transaction(async (tx) => {
    const rows = pageNumbers.map((pageNumber) => ({ documentId, pageNumber }));
    for (let i = 0; i < rows.length; i += 1000) {
      await tx.insert(pages).values(rows.slice(i, i + 1000)).onConflictDoNothing();
    }
    const [current] = await tx.select().from(documents).where(eq(documents.id, documentId)).for("update");
    if (current && (current.status === "queued" || current.status === "processing")) await startFirstRun(tx, documentId, model, pageNumbers);
    const doc = await transitionDocument(tx, documentId, ["queued", "processing"], {
      status: "processing",
      pageCount: pageNumbers.length,
      sourcePageCount: pageCount,
      modelId: model.id,
      modelName: model.name,
      modelVersion: model.version,
      modelKind: model.kind,
      modelLabels: model.labels,
      startedAt: current?.startedAt ?? new Date(),
    });
    const open = await tx
      .select({ pageNumber: pages.pageNumber })
      .from(pages)
      .where(and(eq(pages.documentId, documentId), inArray(pages.status, ["pending", "processing", "failed"])));
    return { doc, openPages: open.map((p) => p.pageNumber) };
  });
}

export async function markPageProcessing(db: Db, page: Page) {
  await db.transaction(async (tx) => {
    await tx
      .update(pages)
      .set({ status: "processing", attempts: sql`${pages.attempts} + 1`, startedAt: new Date() })
      .where(eq(pages.id, page.id));
    await recordEvent(tx, page.documentId, "page", { pageNumber: page.pageNumber, status: "processing" });
  });
}

export type PageResult = {
  widthPt: number;
  heightPt: number;
  imageKey: string;
  imageWidth: number;
  imageHeight: number;
  renderMs: number;
  inferMs: number;
  note: string | null;
  detections: Omit<NewDetection, "pageId" | "documentId">[];
  textLayer?: Page["textLayer"];
  unassignedText?: string | null;
  textMs?: number | null;
};

/**
 * Locks the document row first so concurrent pages of one document count each other,
 * then the page's detections are replaced (never appended) and the document finished when it is.
 */
async function settlePage(tx: Tx, page: Page, status: "done" | "failed", write: (tx: Tx) => Promise<void>) {
  await tx.select({ id: documents.id }).from(documents).where(eq(documents.id, page.documentId)).for("update");
  await write(tx);
  const [counts] = await tx
    .select({
      done: sql<number>`count(*) filter (where ${pages.status} = 'done')`.mapWith(Number),
      failed: sql<number>`count(*) filter (where ${pages.status} = 'failed')`.mapWith(Number),
      total: sql<number>`count(*)`.mapWith(Number),
    })
    .from(pages)
    .where(eq(pages.documentId, page.documentId));
  const { done = 0, failed = 0, total = 0 } = counts ?? {};
  await tx.update(documents).set({ pagesDone: done, pagesFailed: failed, updatedAt: new Date() }).where(eq(documents.id, page.documentId));
  // The status makes the event log a record of every completion (a page done twice would show twice).
  await recordEvent(tx, page.documentId, "page", { pageNumber: page.pageNumber, status });
  if (done + failed === total) {
    const allFailed = done === 0;
    await transitionDocument(tx, page.documentId, ["processing"], {
      status: allFailed ? "failed" : "done",
      finishedAt: new Date(),
      ...(allFailed ? { errorCode: "all_pages_failed", errorMessage: "No page of this document could be processed." } : {}),
    });
  }
}

export async function completePage(db: Db, page: Page, result: PageResult) {
  await db.transaction((tx) =>
    settlePage(tx, page, "done", async (tx) => {
      await tx.delete(detections).where(and(eq(detections.pageId, page.id), eq(detections.runNumber, 1)));
      await recordFirstRunPage(tx, page, { status: "done", inferMs: result.inferMs, detectionCount: result.detections.length, note: result.note });
      await insertDetections(tx, result.detections.map((d) => ({ ...d, pageId: page.id, documentId: page.documentId })));
      await tx
        .update(pages)
        .set({
          status: "done",
          widthPt: result.widthPt,
          heightPt: result.heightPt,
          imageKey: result.imageKey,
          imageWidth: result.imageWidth,
          imageHeight: result.imageHeight,
          renderMs: result.renderMs,
          inferMs: result.inferMs,
          detectionCount: result.detections.length,
          note: result.note,
          textLayer: result.textLayer ?? null,
          unassignedText: result.unassignedText ?? null,
          textMs: result.textMs ?? null,
          errorCode: null,
          errorMessage: null,
          finishedAt: new Date(),
        })
        .where(eq(pages.id, page.id));
    }),
  );
}

export async function failPage(db: Db, page: Page, code: string, message: string) {
  await db.transaction((tx) =>
    settlePage(tx, page, "failed", async (tx) => {
      await tx.delete(detections).where(and(eq(detections.pageId, page.id), eq(detections.runNumber, 1)));
      await recordFirstRunPage(tx, page, { status: "failed", detectionCount: null, errorCode: code, errorMessage: message });
      await tx
        .update(pages)
        .set({ status: "failed", errorCode: code, errorMessage: message, detectionCount: null, finishedAt: new Date() })
        .where(eq(pages.id, page.id));
    }),
  );
}

/**
 * OCR's text for a page's regions (by detection id), marked as OCR with its confidence, and the page's
 * note; a page event tells the viewers. Regions of a page that was processed again meanwhile are not touched.
 */
export async function storeOcrText(db: Db, page: Page, regions: { id: number; text: string | null; confidence: number }[], note: string) {
  await db.transaction(async (tx) => {
    for (const r of regions) {
      await tx
        .update(detections)
        .set({ text: r.text, textSource: r.text === null ? null : "ocr", ocrConfidence: r.text === null ? null : r.confidence })
        .where(and(eq(detections.id, r.id), eq(detections.pageId, page.id)));
    }
    await tx.update(pages).set({ note }).where(eq(pages.id, page.id));
    await recordEvent(tx, page.documentId, "page", { pageNumber: page.pageNumber });
  });
}

/** A page whose OCR failed keeps its boxes; only its note changes. */
export async function notePage(db: Db, page: Page, note: string) {
  await db.transaction(async (tx) => {
    await tx.update(pages).set({ note }).where(eq(pages.id, page.id));
    await recordEvent(tx, page.documentId, "page", { pageNumber: page.pageNumber });
  });
}
