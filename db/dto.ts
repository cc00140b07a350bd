import type { DetectionDto, DocumentDto, PageDto, RunDto } from "../lib/api-types";
import { waitingMessage } from "../lib/models/routing";
import type { DetectionRow, Document, Page, Run, RunPage } from "./schema";

/** A nullable timestamp as the API writes it. */
export const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * `served`: the models live workers serve (db/workers.ts servedModels); with it, a document in progress whose
 * model none serves says it is waiting for one. Without it (webhook payloads) `waiting` is null.
 */
export function toDocumentDto(doc: Document, served?: ReadonlySet<string>): DocumentDto {
  const inProgress = doc.status === "queued" || doc.status === "processing";
  return {
    id: doc.id,
    filename: doc.filename,
    sizeBytes: doc.sizeBytes,
    status: doc.status,
    pageCount: doc.pageCount,
    pagesDone: doc.pagesDone,
    pagesFailed: doc.pagesFailed,
    model: doc.modelId
      ? { id: doc.modelId, name: doc.modelName ?? doc.modelId, version: doc.modelVersion, kind: doc.modelKind }
      : null,
    error: doc.errorCode ? { code: doc.errorCode, message: doc.errorMessage ?? doc.errorCode } : null,
    createdAt: doc.createdAt.toISOString(),
    startedAt: iso(doc.startedAt),
    finishedAt: iso(doc.finishedAt),
    pageRange: doc.pageRange,
    sourcePageCount: doc.sourcePageCount,
    waiting: served && inProgress && doc.modelId && !served.has(doc.modelId) ? { modelId: doc.modelId, message: waitingMessage(doc.modelId) } : null,
  };
}

export function toDetectionDto(d: DetectionRow): DetectionDto {
  return {
    classIndex: d.classIndex,
    label: d.label,
    score: d.score,
    box: [d.x1, d.y1, d.x2, d.y2],
    polygon: d.polygon ?? null,
    text: d.text,
    textSource: d.textSource,
    ocrConfidence: d.ocrConfidence,
    order: d.readingOrder,
  };
}

export function pageImageUrl(documentId: string, pageNumber: number) {
  return `/api/documents/${documentId}/pages/${pageNumber}/image`;
}

export function toPageDto(page: Page, detections?: DetectionRow[]): PageDto {
  return {
    pageNumber: page.pageNumber,
    status: page.status,
    widthPt: page.widthPt,
    heightPt: page.heightPt,
    imageUrl: page.imageKey ? pageImageUrl(page.documentId, page.pageNumber) : null,
    imageWidth: page.imageWidth,
    imageHeight: page.imageHeight,
    renderMs: page.renderMs,
    inferMs: page.inferMs,
    detectionCount: page.detectionCount,
    note: page.note,
    error: page.errorCode ? { code: page.errorCode, message: page.errorMessage ?? page.errorCode } : null,
    textLayer: page.textLayer,
    unassignedText: page.unassignedText,
    ...(detections ? { detections: detections.map(toDetectionDto) } : {}),
  };
}

/** `served`: the models live workers serve; with it, a run in progress whose model none serves says it waits. */
export function toRunDto(run: Run, pageCount: number, served?: ReadonlySet<string>): RunDto {
  const inProgress = run.status === "queued" || run.status === "processing";
  return {
    number: run.number,
    status: run.status,
    model: { id: run.modelId, name: run.modelName ?? run.modelId, version: run.modelVersion, kind: run.modelKind },
    pageCount,
    pagesDone: run.pagesDone,
    pagesFailed: run.pagesFailed,
    error: run.errorCode ? { code: run.errorCode, message: run.errorMessage ?? run.errorCode } : null,
    createdAt: run.createdAt.toISOString(),
    startedAt: iso(run.startedAt),
    finishedAt: iso(run.finishedAt),
    waiting: served && inProgress && !served.has(run.modelId) ? { modelId: run.modelId, message: waitingMessage(run.modelId) } : null,
  };
}

/**
 * A page as one run saw it: run 1 is the page row itself; a later run's status, model time, box count, note
 * and error come from its own result row (the image, size, render and text layer are the page's).
 */
export function toRunPageDto(page: Page, result: RunPage | undefined, detections?: DetectionRow[]): PageDto {
  const base = toPageDto(page, detections);
  if (!result || result.runNumber === 1) return base;
  return {
    ...base,
    status: result.status,
    inferMs: result.inferMs,
    detectionCount: result.detectionCount,
    note: result.note,
    error: result.errorCode ? { code: result.errorCode, message: result.errorMessage ?? result.errorCode } : null,
  };
}
