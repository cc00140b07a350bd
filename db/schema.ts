import { sql } from "drizzle-orm";
import {
  customType,
  bigserial,
  foreignKey,
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

export const documentStatus = pgEnum("document_status", [
  "uploading",
  "queued",
  "processing",
  "done",
  "failed",
  "cancelled",
]);

export const pageStatus = pgEnum("page_status", ["pending", "processing", "done", "failed", "cancelled"]);

export const runStatus = pgEnum("run_status", ["queued", "processing", "done", "failed", "cancelled"]);

/** Keys programs authenticate with (`Authorization: Bearer pw_…`); only a hash of the secret is kept. */
export const apiKeys = pgTable("api_keys", {
  id: uuid("id").primaryKey().default(sql`gen_random_uuid()`),
  name: text("name").notNull(),
  /** The public start of the key (`pw_` + 10 hex), shown in lists and used to find the row. */
  prefix: text("prefix").notNull().unique(),
  /** sha256 of the whole key, hex. */
  hash: text("hash").notNull(),
  /** Webhook URL for documents uploaded with this key that name none. */
  callbackUrl: text("callback_url"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
  revokedAt: timestamp("revoked_at", { withTimezone: true }),
});

export const documents = pgTable(
  "documents",
  {
    id: uuid("id").primaryKey().default(sql`gen_random_uuid()`),
    filename: text("filename").notNull(),
    sizeBytes: bigint("size_bytes", { mode: "number" }).notNull(),
    objectKey: text("object_key").notNull(),
    status: documentStatus("status").notNull().default("uploading"),
    pageCount: integer("page_count"),
    pagesDone: integer("pages_done").notNull().default(0),
    pagesFailed: integer("pages_failed").notNull().default(0),
    modelId: text("model_id"),
    modelName: text("model_name"),
    modelVersion: text("model_version"),
    modelKind: text("model_kind"),
    /** The model's label map (class index -> name), for exports of this document. */
    modelLabels: jsonb("model_labels").$type<string[]>(),
    errorCode: text("error_code"),
    errorMessage: text("error_message"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    uploadExpiresAt: timestamp("upload_expires_at", { withTimezone: true }),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    /** The key that created the document; null for the browser (anonymous or admin) uploads. */
    apiKeyId: uuid("api_key_id").references(() => apiKeys.id),
    /** Pages asked for at upload, normalised ("1-5,8"); null: every page. */
    pageRange: text("page_range"),
    /** Pages in the file; `pageCount` is how many of them this document covers. */
    sourcePageCount: integer("source_page_count"),
    /** Where document (and, with `callbackPages`, page) events are POSTed. */
    callbackUrl: text("callback_url"),
    callbackPages: boolean("callback_pages").notNull().default(false),
  },
  (t) => [
    index("documents_status_idx").on(t.status),
    index("documents_created_idx").on(t.createdAt),
    index("documents_api_key_idx").on(t.apiKeyId, t.createdAt),
  ],
);

export const pages = pgTable(
  "pages",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    documentId: uuid("document_id")
      .notNull()
      .references(() => documents.id, { onDelete: "cascade" }),
    pageNumber: integer("page_number").notNull(),
    status: pageStatus("status").notNull().default("pending"),
    /** Page size in PDF points, after rotation and crop box. */
    widthPt: real("width_pt"),
    heightPt: real("height_pt"),
    imageKey: text("image_key"),
    imageWidth: integer("image_width"),
    imageHeight: integer("image_height"),
    renderMs: integer("render_ms"),
    inferMs: integer("infer_ms"),
    detectionCount: integer("detection_count"),
    /** Something worth knowing that is not a failure, e.g. "the model raised on this blank page". */
    note: text("note"),
    errorCode: text("error_code"),
    errorMessage: text("error_message"),
    attempts: integer("attempts").notNull().default(0),
    /** The page's PDF text layer: "ok" (used), "none" or "unusable" (needs OCR); null before text was read. */
    textLayer: text("text_layer").$type<"ok" | "none" | "unusable">(),
    /** Text-layer runs that fell in no detected region, line by line, so nothing the page says is lost. */
    unassignedText: text("unassigned_text"),
    /** Reading the text layer and assigning it to regions. */
    textMs: integer("text_ms"),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [uniqueIndex("pages_document_page_idx").on(t.documentId, t.pageNumber)],
);

/**
 * One pass of one model over a document's pages. Run 1 is the document's own processing (its status follows
 * the document's); later runs re-detect the pages already rendered with another model. Numbered per document.
 */
export const runs = pgTable(
  "runs",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    documentId: uuid("document_id")
      .notNull()
      .references(() => documents.id, { onDelete: "cascade" }),
    number: integer("number").notNull(),
    status: runStatus("status").notNull().default("queued"),
    modelId: text("model_id").notNull(),
    modelName: text("model_name"),
    modelVersion: text("model_version"),
    modelKind: text("model_kind"),
    modelLabels: jsonb("model_labels").$type<string[]>(),
    pagesDone: integer("pages_done").notNull().default(0),
    pagesFailed: integer("pages_failed").notNull().default(0),
    errorCode: text("error_code"),
    errorMessage: text("error_message"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [unique("runs_document_number_key").on(t.documentId, t.number)],
);

/** A run's result on one page; the page's render, image and text layer stay on `pages`. */
export const runPages = pgTable(
  "run_pages",
  {
    documentId: uuid("document_id").notNull(),
    runNumber: integer("run_number").notNull(),
    pageNumber: integer("page_number").notNull(),
    status: pageStatus("status").notNull().default("pending"),
    inferMs: integer("infer_ms"),
    detectionCount: integer("detection_count"),
    note: text("note"),
    errorCode: text("error_code"),
    errorMessage: text("error_message"),
    attempts: integer("attempts").notNull().default(0),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.documentId, t.runNumber, t.pageNumber] }),
    foreignKey({ columns: [t.documentId, t.runNumber], foreignColumns: [runs.documentId, runs.number] }).onDelete("cascade"),
  ],
);

export type PolygonPoints = [number, number][];

const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });

export const detections = pgTable(
  "detections",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    pageId: bigint("page_id", { mode: "number" })
      .notNull()
      .references(() => pages.id, { onDelete: "cascade" }),
    documentId: uuid("document_id")
      .notNull()
      .references(() => documents.id, { onDelete: "cascade" }),
    /** The run (per document, see `runs.number`) that found it; detections from before runs are run 1's. */
    runNumber: integer("run_number").notNull().default(1),
    classIndex: integer("class_index").notNull(),
    label: text("label").notNull(),
    score: real("score").notNull(),
    /** Box normalised to the page (0..1, top-left origin), independent of render resolution. */
    x1: real("x1").notNull(),
    y1: real("y1").notNull(),
    x2: real("x2").notNull(),
    y2: real("y2").notNull(),
    /** Mask outline, normalised like the box; null for box-only models. */
    polygon: jsonb("polygon").$type<PolygonPoints | null>(),
    /** The region's text, in reading order inside it; null when none was found. */
    text: text("text"),
    /** Where `text` came from: the PDF's text layer or OCR of the page image. */
    textSource: text("text_source").$type<"pdf" | "ocr">(),
    /** OCR's mean word confidence, 0..1; null for text-layer text. */
    ocrConfidence: real("ocr_confidence"),
    /** Place of the region in the page's reading order (0 first); null for pages processed before it. */
    readingOrder: integer("reading_order"),
    /** Full-text index of `text`; the "english" configuration stems (paragraphs matches paragraph). */
    searchVector: tsvector("search_vector").generatedAlwaysAs(sql`to_tsvector('english', coalesce("text", ''))`),
  },
  (t) => [
    index("detections_page_idx").on(t.pageId, t.runNumber),
    index("detections_document_idx").on(t.documentId),
    index("detections_search_idx").using("gin", t.searchVector),
  ],
);

/** Append-only log behind the SSE stream: ids make `Last-Event-ID` resumption lossless. */
export const documentEvents = pgTable(
  "document_events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    documentId: uuid("document_id")
      .notNull()
      .references(() => documents.id, { onDelete: "cascade" }),
    type: text("type").notNull(),
    payload: jsonb("payload").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("document_events_doc_idx").on(t.documentId, t.id)],
);

/** One webhook event per row: its id is the idempotency key receivers see; attempts are logged here. */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: uuid("id").primaryKey().default(sql`gen_random_uuid()`),
    documentId: uuid("document_id")
      .notNull()
      .references(() => documents.id, { onDelete: "cascade" }),
    /** `document.done`, `document.failed`, `document.cancelled` or `page.done` / `page.failed`. */
    type: text("type").notNull(),
    /** What the event is about (`status:<document event id>`, `page:<page id>:<finished at>`): one delivery each. */
    dedupeKey: text("dedupe_key").notNull().unique(),
    url: text("url").notNull(),
    payload: jsonb("payload").notNull(),
    status: text("status", { enum: ["pending", "delivered", "failed"] }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastAttemptAt: timestamp("last_attempt_at", { withTimezone: true }),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
  },
  (t) => [index("webhook_deliveries_doc_idx").on(t.documentId, t.createdAt)],
);

export type ApiKey = typeof apiKeys.$inferSelect;
export type WebhookDelivery = typeof webhookDeliveries.$inferSelect;
export type Document = typeof documents.$inferSelect;
export type NewDocument = typeof documents.$inferInsert;
export type Page = typeof pages.$inferSelect;
export type NewPage = typeof pages.$inferInsert;
/** A detection as read back: everything but the search index, which only the database uses. */
export type DetectionRow = Omit<typeof detections.$inferSelect, "searchVector">;
export type NewDetection = typeof detections.$inferInsert;
export type Run = typeof runs.$inferSelect;
export type RunPage = typeof runPages.$inferSelect;
export type RunStatus = (typeof runStatus.enumValues)[number];
export type DocumentEvent = typeof documentEvents.$inferSelect;
export type DocumentStatus = (typeof documentStatus.enumValues)[number];
export type PageStatus = (typeof pageStatus.enumValues)[number];

/** Heartbeats of running queue workers; jobs locked by a worker whose heartbeat stopped are released. */
export const workerHeartbeats = pgTable("worker_heartbeats", {
  workerId: text("worker_id").primaryKey(),
  hostname: text("hostname").notNull(),
  pid: integer("pid").notNull(),
  lastSeen: timestamp("last_seen", { withTimezone: true }).notNull().defaultNow(),
  /** Ids of the models this worker loaded and takes jobs for (WORKER_MODELS); empty for an OCR-only worker. */
  models: text("models").array().notNull().default(sql`'{}'::text[]`),
});
export type WorkerHeartbeat = typeof workerHeartbeats.$inferSelect;
