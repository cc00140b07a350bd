import { z } from "zod";
import { pageRangeSchema } from "./page-range";

/** Shapes the API returns and the browser parses: the one contract between web server and UI. */
export const documentStatusSchema = z.enum(["uploading", "queued", "processing", "done", "failed", "cancelled"]);
export const pageStatusSchema = z.enum(["pending", "processing", "done", "failed", "cancelled"]);

export const modelInfoSchema = z.object({
  id: z.string(),
  name: z.string(),
  version: z.string().nullable(),
  kind: z.string().nullable(),
});

export const documentSchema = z.object({
  id: z.string(),
  filename: z.string(),
  sizeBytes: z.number(),
  status: documentStatusSchema,
  pageCount: z.number().nullable(),
  pagesDone: z.number(),
  pagesFailed: z.number(),
  model: modelInfoSchema.nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  /** Pages asked for at upload ("1-5,8"); null: every page. `pageCount` counts the covered pages. */
  pageRange: z.string().nullable(),
  /** Pages in the file, once it has been opened. */
  sourcePageCount: z.number().nullable(),
  /** Set while the document is queued or processing and no live worker serves its model: it waits, it has not failed. */
  waiting: z.object({ modelId: z.string(), message: z.string() }).nullable().default(null),
});

export const detectionSchema = z.object({
  classIndex: z.number(),
  label: z.string(),
  score: z.number(),
  /** x1, y1, x2, y2 normalised to the page (0..1, origin top-left). */
  box: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  polygon: z.array(z.tuple([z.number(), z.number()])).nullable(),
  /** The region's text (null: none found), where it came from, OCR's confidence (0..1) and reading order. */
  text: z.string().nullable().default(null),
  textSource: z.enum(["pdf", "ocr"]).nullable().default(null),
  ocrConfidence: z.number().nullable().default(null),
  order: z.number().nullable().default(null),
});

export const pageSchema = z.object({
  pageNumber: z.number(),
  status: pageStatusSchema,
  widthPt: z.number().nullable(),
  heightPt: z.number().nullable(),
  imageUrl: z.string().nullable(),
  imageWidth: z.number().nullable(),
  imageHeight: z.number().nullable(),
  renderMs: z.number().nullable(),
  inferMs: z.number().nullable(),
  detectionCount: z.number().nullable(),
  note: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  /** "ok": text from the PDF's text layer; "none"/"unusable": the page needs OCR; null: not read. */
  textLayer: z.enum(["ok", "none", "unusable"]).nullable().default(null),
  /** Text outside every detected region. */
  unassignedText: z.string().nullable().default(null),
  detections: z.array(detectionSchema).optional(),
});

export const documentDetailSchema = z.object({ document: documentSchema, pages: z.array(pageSchema) });

export const runStatusSchema = z.enum(["queued", "processing", "done", "failed", "cancelled"]);

/** One pass of one model over the document (run 1: the document's own processing). */
export const runSchema = z.object({
  number: z.number(),
  status: runStatusSchema,
  model: modelInfoSchema,
  pageCount: z.number(),
  pagesDone: z.number(),
  pagesFailed: z.number(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  /** Set while the run's model is served by no live worker: its pages wait for one. */
  waiting: z.object({ modelId: z.string(), message: z.string() }).nullable().default(null),
});
export const runListSchema = z.object({ runs: z.array(runSchema) });

/** Matched-box F1 at IoU 0.5 between run `a` (reference) and run `b`, over the pages both finished. */
export const pageAgreementSchema = z.object({ pageNumber: z.number(), aBoxes: z.number(), bBoxes: z.number(), f1At50: z.number() });
export const runAgreementSchema = z.object({
  a: z.number(),
  b: z.number(),
  f1At50: z.number(),
  aBoxes: z.number(),
  bBoxes: z.number(),
  pages: z.array(pageAgreementSchema),
  /** The pages where the runs disagree most (lowest F1 first; pages in full agreement are left out). */
  worstPages: z.array(pageAgreementSchema),
});

export const streamEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("snapshot"), document: documentSchema, pages: z.array(pageSchema) }),
  z.object({ type: z.literal("status"), document: documentSchema }),
  z.object({ type: z.literal("page"), page: pageSchema }),
  /** A later run (2, 3, …) started, settled a page (`pageNumber`), finished, was cancelled or retried. */
  z.object({ type: z.literal("run"), run: runSchema, pageNumber: z.number().nullable() }),
]);

export const documentListSchema = z.object({
  documents: z.array(documentSchema),
  total: z.number(),
  page: z.number(),
  pageSize: z.number(),
});

export const createUploadRequestSchema = z.object({
  filename: z.string().min(1).max(4096),
  sizeBytes: z.number().int().positive(),
  contentType: z
    .string()
    .max(255)
    .describe(
      "application/pdf, image/png, image/jpeg, image/webp or image/tiff (a TIFF is one page per frame); empty: taken from the filename's extension. At complete the stored bytes decide, not this.",
    ),
  pages: pageRangeSchema.optional(),
  callbackUrl: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .optional()
    .describe("Webhook URL POSTed a signed event when the document ends (default: the API key's)."),
  callbackPages: z.boolean().optional().describe("Also POST an event after each page (default false)."),
  model: z.string().max(64).optional().describe("Id of an installed model (GET /api/models); default: the server's default model."),
  modelId: z.string().max(64).optional().describe("Same as `model`."),
});

export const modelWorkerSchema = z.object({ hostname: z.string(), pid: z.number(), lastSeen: z.string() });
export const installedModelSchema = z.object({
  id: z.string(),
  name: z.string(),
  version: z.string(),
  /** `trained`, `untrained` (real architecture, meaningless boxes) or `heuristic` (the classical baseline). */
  kind: z.enum(["trained", "untrained", "heuristic"]),
  /** The kind in words, to show beside the name. */
  kindLabel: z.string(),
  labels: z.array(z.string()),
  default: z.boolean(),
  /** Whether a live worker serves it; if not, documents for it wait until one starts. */
  served: z.boolean(),
  /** The live workers serving it (host, pid, last heartbeat): listed for the admin and API keys, empty for anonymous callers. */
  workers: z.array(modelWorkerSchema),
});
export const modelListSchema = z.object({ models: z.array(installedModelSchema), defaultModel: z.string().nullable() });
export type InstalledModelDto = z.infer<typeof installedModelSchema>;

export const createUploadResponseSchema = z.object({
  document: documentSchema,
  upload: z.object({
    method: z.literal("PUT"),
    url: z.string(),
    headers: z.record(z.string(), z.string()),
    expiresAt: z.string(),
  }),
});

const snippetSchema = z.array(z.object({ text: z.string(), match: z.boolean() }));
export const documentSearchSchema = z.object({
  query: z.string(),
  hits: z.array(
    z.object({
      pageNumber: z.number(),
      label: z.string(),
      box: z.tuple([z.number(), z.number(), z.number(), z.number()]),
      order: z.number().nullable(),
      rank: z.number(),
      snippet: snippetSchema,
    }),
  ),
});
export const adminSearchSchema = z.object({
  query: z.string(),
  documents: z.array(
    z.object({ documentId: z.string(), filename: z.string(), rank: z.number(), pages: z.array(z.object({ pageNumber: z.number(), snippet: snippetSchema })) }),
  ),
});
export type SearchHitDto = z.infer<typeof documentSearchSchema>["hits"][number];

const probeSchema = z.object({ ok: z.boolean(), ms: z.number() });
export const healthSchema = z.object({ status: z.enum(["ok", "degraded"]), database: probeSchema, storage: probeSchema });

export const apiErrorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

export type DocumentDto = z.infer<typeof documentSchema>;
export type PageDto = z.infer<typeof pageSchema>;
export type DetectionDto = z.infer<typeof detectionSchema>;
export type StreamEvent = z.infer<typeof streamEventSchema>;
export type RunDto = z.infer<typeof runSchema>;
export type RunAgreementDto = z.infer<typeof runAgreementSchema>;
export type PageAgreementDto = z.infer<typeof pageAgreementSchema>;
export type DocumentStatusDto = z.infer<typeof documentStatusSchema>;
