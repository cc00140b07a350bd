import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "./client";
import { insertDetections } from "./detections";
import { recordEvent, type Tx } from "./events";
import { detections, documents, pages, runPages, runs, type NewDetection, type Page, type Run, type RunStatus } from "./schema";

/** The model a run is made with, as a model.json describes it. */
export type RunModel = { id: string; name: string; version: string; kind: string; labels: string[] };

export async function listRuns(db: Db | Tx, documentId: string): Promise<Run[]> {
  return db.select().from(runs).where(eq(runs.documentId, documentId)).orderBy(asc(runs.number));
}

export async function getRun(db: Db | Tx, documentId: string, number: number): Promise<Run | undefined> {
  const [run] = await db.select().from(runs).where(and(eq(runs.documentId, documentId), eq(runs.number, number)));
  return run;
}

export async function listRunPages(db: Db | Tx, documentId: string, number: number) {
  return db
    .select()
    .from(runPages)
    .where(and(eq(runPages.documentId, documentId), eq(runPages.runNumber, number)))
    .orderBy(asc(runPages.pageNumber));
}

export async function getRunPage(db: Db | Tx, documentId: string, number: number, pageNumber: number) {
  const [row] = await db
    .select()
    .from(runPages)
    .where(and(eq(runPages.documentId, documentId), eq(runPages.runNumber, number), eq(runPages.pageNumber, pageNumber)));
  return row;
}

/**
 * Run 1 is the document's own processing: created (or, on a retry, given the model of this attempt) when the
 * document starts, with a result row per page it covers.
 */
export async function startFirstRun(tx: Tx, documentId: string, model: RunModel, pageNumbers: number[]) {
  const values = { modelId: model.id, modelName: model.name, modelVersion: model.version, modelKind: model.kind, modelLabels: model.labels };
  await tx
    .insert(runs)
    .values({ documentId, number: 1, status: "processing", startedAt: new Date(), ...values })
    .onConflictDoUpdate({ target: [runs.documentId, runs.number], set: { ...values, status: "processing", finishedAt: null, errorCode: null, errorMessage: null } });
  const rows = pageNumbers.map((pageNumber) => ({ documentId, runNumber: 1, pageNumber }));
  for (let i = 0; i < rows.length; i += 1000) await tx.insert(runPages).values(rows.slice(i, i + 1000)).onConflictDoNothing();
}

/** Run 1 follows its document's status (the document has one more, `uploading`, before any run). */
export async function followDocumentStatus(
  tx: Db | Tx,
  documentId: string,
  doc: { status: string; pagesDone: number; pagesFailed: number; errorCode: string | null; errorMessage: string | null; finishedAt: Date | null },
) {
  if (doc.status === "uploading") return;
  await tx
    .update(runs)
    .set({ status: doc.status as RunStatus, pagesDone: doc.pagesDone, pagesFailed: doc.pagesFailed, errorCode: doc.errorCode, errorMessage: doc.errorMessage, finishedAt: doc.finishedAt })
    .where(and(eq(runs.documentId, documentId), eq(runs.number, 1)));
}

/**
 * A new run of a finished document with another (or the same) model, over the pages that were rendered.
 * Returns the run and the pages to detect; the caller enqueues them with `enqueueRunPages`.
 */
export async function createRun(db: Db, documentId: string, model: RunModel): Promise<{ run: Run; pageNumbers: number[] } | null> {
  return db.transaction(async (tx) => {
    const [doc] = await tx.select().from(documents).where(eq(documents.id, documentId)).for("update");
    if (!doc || doc.status !== "done") return null;
    const donePages = await tx
      .select({ n: pages.pageNumber })
      .from(pages)
      .where(and(eq(pages.documentId, documentId), eq(pages.status, "done")))
      .orderBy(asc(pages.pageNumber));
    const [last] = await tx.select({ n: sql<number>`coalesce(max(${runs.number}), 0)`.mapWith(Number) }).from(runs).where(eq(runs.documentId, documentId));
    const [run] = await tx
      .insert(runs)
      .values({
        documentId,
        number: Math.max(1, last?.n ?? 0) + 1,
        status: "processing",
        modelId: model.id,
        modelName: model.name,
        modelVersion: model.version,
        modelKind: model.kind,
        modelLabels: model.labels,
        startedAt: new Date(),
      })
      .returning();
    const pageNumbers = donePages.map((p) => p.n);
    if (pageNumbers.length) {
      await tx.insert(runPages).values(pageNumbers.map((pageNumber) => ({ documentId, runNumber: run!.number, pageNumber })));
    }
    await recordEvent(tx, documentId, "run", { run: run!.number, status: run!.status });
    return { run: run!, pageNumbers };
  });
}

export async function markRunPageProcessing(db: Db, run: Run, pageNumber: number) {
  await db.transaction(async (tx) => {
    await tx
      .update(runPages)
      .set({ status: "processing", attempts: sql`${runPages.attempts} + 1`, startedAt: new Date() })
      .where(and(eq(runPages.documentId, run.documentId), eq(runPages.runNumber, run.number), eq(runPages.pageNumber, pageNumber)));
    await recordEvent(tx, run.documentId, "run", { run: run.number, pageNumber, status: "processing" });
  });
}

/** Mirrors one page's outcome of run 1 into its run row (the page row itself stays the source for run 1). */
export async function recordFirstRunPage(
  tx: Tx,
  page: Page,
  result: { status: "done" | "failed"; inferMs?: number | null; detectionCount: number | null; note?: string | null; errorCode?: string | null; errorMessage?: string | null },
) {
  await tx
    .insert(runPages)
    .values({ documentId: page.documentId, runNumber: 1, pageNumber: page.pageNumber, attempts: page.attempts + 1, startedAt: page.startedAt, finishedAt: new Date(), ...result })
    .onConflictDoUpdate({
      target: [runPages.documentId, runPages.runNumber, runPages.pageNumber],
      set: { finishedAt: new Date(), inferMs: null, note: null, errorCode: null, errorMessage: null, ...result },
    });
}

export type RunPageResult = { inferMs: number; note: string | null; detections: Omit<NewDetection, "pageId" | "documentId" | "runNumber">[] };

/** Locks the run, writes one page's outcome, recounts and finishes the run when every page is settled. */
async function settleRunPage(tx: Tx, run: Run, page: Page, status: "done" | "failed", set: Partial<typeof runPages.$inferInsert>) {
  await tx.select({ id: runs.id }).from(runs).where(eq(runs.id, run.id)).for("update");
  await tx.delete(detections).where(and(eq(detections.pageId, page.id), eq(detections.runNumber, run.number)));
  await tx
    .update(runPages)
    .set({ status, finishedAt: new Date(), ...set })
    .where(and(eq(runPages.documentId, run.documentId), eq(runPages.runNumber, run.number), eq(runPages.pageNumber, page.pageNumber)));
  const [counts] = await tx
    .select({
      done: sql<number>`count(*) filter (where ${runPages.status} = 'done')`.mapWith(Number),
      failed: sql<number>`count(*) filter (where ${runPages.status} = 'failed')`.mapWith(Number),
      open: sql<number>`count(*) filter (where ${runPages.status} in ('pending', 'processing'))`.mapWith(Number),
    })
    .from(runPages)
    .where(and(eq(runPages.documentId, run.documentId), eq(runPages.runNumber, run.number)));
  const { done = 0, failed = 0, open = 0 } = counts ?? {};
  const finished = open === 0;
  await tx
    .update(runs)
    .set({
      pagesDone: done,
      pagesFailed: failed,
      ...(finished && run.status === "processing"
        ? done === 0
          ? { status: "failed" as const, finishedAt: new Date(), errorCode: "all_pages_failed", errorMessage: "No page of this run could be processed." }
          : { status: "done" as const, finishedAt: new Date() }
        : {}),
    })
    .where(and(eq(runs.id, run.id), inArray(runs.status, ["processing", "cancelled"])));
  await recordEvent(tx, run.documentId, "run", { run: run.number, pageNumber: page.pageNumber, status });
}

export async function completeRunPage(db: Db, run: Run, page: Page, result: RunPageResult) {
  await db.transaction(async (tx) => {
    await settleRunPage(tx, run, page, "done", { inferMs: result.inferMs, detectionCount: result.detections.length, note: result.note, errorCode: null, errorMessage: null });
    await insertDetections(tx, result.detections.map((d) => ({ ...d, pageId: page.id, documentId: page.documentId, runNumber: run.number })));
  });
}

export async function failRunPage(db: Db, run: Run, page: Page, code: string, message: string) {
  await db.transaction((tx) => settleRunPage(tx, run, page, "failed", { errorCode: code, errorMessage: message, detectionCount: null }));
}

/** A later run's pages not started yet are cancelled, and the run with them; a page already running finishes. */
export async function cancelRun(db: Db, run: Run) {
  return db.transaction(async (tx) => {
    const [cancelled] = await tx
      .update(runs)
      .set({ status: "cancelled", finishedAt: new Date() })
      .where(and(eq(runs.id, run.id), inArray(runs.status, ["queued", "processing"])))
      .returning();
    if (!cancelled) return null;
    await tx
      .update(runPages)
      .set({ status: "cancelled" })
      .where(and(eq(runPages.documentId, run.documentId), eq(runPages.runNumber, run.number), eq(runPages.status, "pending")));
    await recordEvent(tx, run.documentId, "run", { run: run.number, status: "cancelled" });
    return cancelled;
  });
}

/** Failed and cancelled pages of a later run go back to pending; returns them for `enqueueRunPages`. */
export async function retryRun(db: Db, run: Run) {
  return db.transaction(async (tx) => {
    const reopened = await tx
      .update(runPages)
      .set({ status: "pending", errorCode: null, errorMessage: null })
      .where(and(eq(runPages.documentId, run.documentId), eq(runPages.runNumber, run.number), inArray(runPages.status, ["failed", "cancelled"])))
      .returning({ n: runPages.pageNumber });
    if (!reopened.length) return null;
    const [again] = await tx
      .update(runs)
      .set({ status: "processing", finishedAt: null, errorCode: null, errorMessage: null })
      .where(eq(runs.id, run.id))
      .returning();
    await recordEvent(tx, run.documentId, "run", { run: run.number, status: "processing" });
    return { run: again!, pageNumbers: reopened.map((r) => r.n).sort((a, b) => a - b) };
  });
}

/** Every run of a document with the number of pages it covers. */
export async function listRunsWithPages(db: Db | Tx, documentId: string) {
  const [list, counts] = await Promise.all([
    listRuns(db, documentId),
    db
      .select({ run: runPages.runNumber, n: sql<number>`count(*)`.mapWith(Number) })
      .from(runPages)
      .where(eq(runPages.documentId, documentId))
      .groupBy(runPages.runNumber),
  ]);
  const byRun = new Map(counts.map((c) => [c.run, c.n]));
  return list.map((run) => ({ run, pageCount: byRun.get(run.number) ?? 0 }));
}
