import { and, asc, count, desc, eq, getTableColumns, gt, ilike, inArray, lt, sql, type SQL } from "drizzle-orm";
import type { Db } from "./client";
import { recordEvent, type Tx } from "./events";
import { followDocumentStatus } from "./runs";
import { detections, documentEvents, documents, pages, type DetectionRow, type Document, type DocumentStatus } from "./schema";

export async function getDocument(db: Db | Tx, id: string): Promise<Document | undefined> {
  const [doc] = await db.select().from(documents).where(eq(documents.id, id));
  return doc;
}

export async function insertDocument(
  db: Db,
  values: {
    id: string;
    filename: string;
    sizeBytes: number;
    objectKey: string;
    uploadExpiresAt: Date;
    apiKeyId?: string | null;
    pageRange?: string | null;
    callbackUrl?: string | null;
    callbackPages?: boolean;
    /** The model asked for at upload; the worker that processes it records the same again with its version. */
    modelId?: string | null;
    modelName?: string | null;
    modelVersion?: string | null;
    modelKind?: string | null;
    modelLabels?: string[] | null;
  },
): Promise<Document> {
  const [doc] = await db.insert(documents).values({ ...values, status: "uploading" }).returning();
  return doc!;
}

/** Changes a document's status (only from one of `from`) and records the event; returns null if it was not in `from`. */
export async function transitionDocument(
  db: Db | Tx,
  id: string,
  from: readonly DocumentStatus[],
  changes: Partial<typeof documents.$inferInsert> & { status: DocumentStatus },
): Promise<Document | null> {
  const run = async (tx: Tx) => {
    const [doc] = await tx
      .update(documents)
      .set({ ...changes, updatedAt: new Date() })
      .where(and(eq(documents.id, id), inArray(documents.status, [...from])))
      .returning();
    if (!doc) return null;
    await followDocumentStatus(tx, id, doc);
    await recordEvent(tx, id, "status", { status: doc.status });
    return doc;
  };
  return "transaction" in db ? db.transaction(run) : run(db as Tx);
}

export async function failDocument(db: Db | Tx, id: string, code: string, message: string) {
  return transitionDocument(db, id, ["uploading", "queued", "processing"], {
    status: "failed",
    errorCode: code,
    errorMessage: message,
    finishedAt: new Date(),
  });
}

export async function listPages(db: Db | Tx, documentId: string) {
  return db.select().from(pages).where(eq(pages.documentId, documentId)).orderBy(asc(pages.pageNumber));
}

export async function getPage(db: Db | Tx, documentId: string, pageNumber: number) {
  const [page] = await db
    .select()
    .from(pages)
    .where(and(eq(pages.documentId, documentId), eq(pages.pageNumber, pageNumber)));
  return page;
}

const { searchVector: _index, ...detectionColumns } = getTableColumns(detections);

/** A page's detections by one run (default run 1) in reading order (pages processed before reading order existed: by score). */
export async function pageDetections(db: Db | Tx, pageId: number, runNumber = 1): Promise<DetectionRow[]> {
  return db
    .select(detectionColumns)
    .from(detections)
    .where(and(eq(detections.pageId, pageId), eq(detections.runNumber, runNumber)))
    .orderBy(sql`${detections.readingOrder} asc nulls last`, desc(detections.score));
}

export async function documentDetections(db: Db | Tx, documentId: string, runNumber = 1): Promise<DetectionRow[]> {
  return db
    .select(detectionColumns)
    .from(detections)
    .where(and(eq(detections.documentId, documentId), eq(detections.runNumber, runNumber)))
    .orderBy(asc(detections.pageId), sql`${detections.readingOrder} asc nulls last`, desc(detections.score));
}

export async function eventsAfter(db: Db, documentId: string, afterId: number) {
  return db
    .select()
    .from(documentEvents)
    .where(and(eq(documentEvents.documentId, documentId), gt(documentEvents.id, afterId)))
    .orderBy(asc(documentEvents.id));
}

export async function lastEventId(db: Db, documentId: string): Promise<number> {
  const [row] = await db
    .select({ id: sql<number>`coalesce(max(${documentEvents.id}), 0)`.mapWith(Number) })
    .from(documentEvents)
    .where(eq(documentEvents.documentId, documentId));
  return row?.id ?? 0;
}

export const documentSortKeys = ["createdAt", "filename", "sizeBytes", "status", "pageCount"] as const;
export type DocumentSortKey = (typeof documentSortKeys)[number];

export async function listDocuments(
  db: Db,
  opts: { status?: DocumentStatus; q?: string; sort: DocumentSortKey; dir: "asc" | "desc"; page: number; pageSize: number; apiKeyId?: string },
) {
  const filters: SQL[] = [];
  if (opts.apiKeyId) filters.push(eq(documents.apiKeyId, opts.apiKeyId));
  if (opts.status) filters.push(eq(documents.status, opts.status));
  if (opts.q) filters.push(ilike(documents.filename, `%${opts.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`));
  const where = filters.length ? and(...filters) : undefined;
  const column = documents[opts.sort];
  const [rows, [total]] = await Promise.all([
    db
      .select()
      .from(documents)
      .where(where)
      .orderBy(opts.dir === "asc" ? asc(column) : desc(column), desc(documents.id))
      .limit(opts.pageSize)
      .offset((opts.page - 1) * opts.pageSize),
    db.select({ n: count() }).from(documents).where(where),
  ]);
  return { rows, total: total?.n ?? 0 };
}

export async function deleteDocumentRow(db: Db, id: string) {
  await db.delete(documents).where(eq(documents.id, id));
}

/** Uploads never completed by their deadline. */
export async function expiredUploads(db: Db, now: Date) {
  return db
    .select()
    .from(documents)
    .where(and(eq(documents.status, "uploading"), lt(documents.uploadExpiresAt, now)));
}
