import { randomUUID } from "node:crypto";
import type { WorkerUtils } from "graphile-worker";
import type { Db } from "../../db/client";
import { failDocument, getDocument, insertDocument, transitionDocument } from "../../db/documents";
import type { Document } from "../../db/schema";
import type { Env } from "../env";
import { acceptedContentType, ACCEPTED_NAMES } from "../accepted-files";
import { AppError } from "../errors";
import { imageEndsWell, imageHeaderSize, KIND_NAMES, sniffFileType, type FileKind } from "../file-type";
import { normalisePageRange } from "../page-range";
import { readTiffLayout, tiffFrameProblem } from "../tiff-layout";
import { jobKeys, MAX_ATTEMPTS } from "../jobs";
import { chooseModel } from "../models/installed";
import { detectJobRouting } from "../models/routing";
import { deletePrefix, headObject, objectKeys, presignUpload, readObjectHead, readObjectTail, UPLOAD_URL_TTL_SECONDS, type Storage } from "../s3";

const IMAGE_KINDS = new Set<FileKind>(["png", "jpeg", "webp", "tiff"]);
/** Same figure as the render thread's decode cap (worker/render/image-page.ts). */
export const MAX_IMAGE_PIXELS = 100_000_000;
/** Enough of the file to find a JPEG's frame header behind typical metadata. */
const IMAGE_HEAD_BYTES = 64 * 1024;

const MAX_FILENAME_LENGTH = 200;

/**
 * Keeps what a person would recognise of a filename: no directories, no control characters, no invisible
 * format characters (Unicode Cf: bidi overrides and isolates that make `a\u202eFDP.exe.pdf` read
 * "apdf.exe.PDF", zero-width spaces and joiners, soft hyphens, BOMs, tag characters), bounded length.
 */
export function cleanFilename(raw: string): string {
  const base = raw.split(/[\\/]/).pop() ?? "";
  let name = base.replace(/[\p{Cc}\p{Cf}]/gu, "").replace(/\s+/g, " ").trim();
  if (name.length > MAX_FILENAME_LENGTH) {
    const ext = /\.[a-z0-9]{1,8}$/i.exec(name)?.[0] ?? "";
    name = name.slice(0, MAX_FILENAME_LENGTH - ext.length) + ext;
  }
  return name || "document.pdf";
}

export async function createUpload(
  deps: { db: Db; storage: Storage; env: Env },
  input: { filename: string; sizeBytes: number; contentType: string; pages?: string; model?: string },
  owner: { apiKeyId?: string | null; callbackUrl?: string | null; callbackPages?: boolean } = {},
) {
  const maxBytes = deps.env.MAX_UPLOAD_MB * 1024 * 1024;
  if (input.sizeBytes > maxBytes) {
    throw new AppError("file_too_large", "upload over limit", `Files are limited to ${deps.env.MAX_UPLOAD_MB} MB.`);
  }
  const filename = cleanFilename(input.filename);
  const contentType = acceptedContentType(input.contentType, filename);
  if (!contentType) {
    throw new AppError("unsupported_type", `content type ${input.contentType}`, `Only ${ACCEPTED_NAMES} files can be processed.`);
  }
  const pageRange = input.pages === undefined ? null : normalisePageRange(input.pages);
  const { manifest } = await chooseModel(deps.env, input.model);
  const id = randomUUID();
  const key = objectKeys.upload(id);
  const expiresAt = new Date(Date.now() + UPLOAD_URL_TTL_SECONDS * 1000);
  const document = await insertDocument(deps.db, {
    id,
    filename,
    sizeBytes: input.sizeBytes,
    objectKey: key,
    uploadExpiresAt: new Date(Date.now() + deps.env.UPLOAD_EXPIRY_MINUTES * 60_000),
    apiKeyId: owner.apiKeyId ?? null,
    pageRange,
    callbackUrl: owner.callbackUrl ?? null,
    callbackPages: owner.callbackPages ?? false,
    modelId: manifest.id,
    modelName: manifest.name,
    modelVersion: manifest.version,
    modelKind: manifest.kind,
    modelLabels: manifest.labels,
  });
  const url = await presignUpload(deps.storage, key, contentType, input.sizeBytes);
  return {
    document,
    upload: { method: "PUT" as const, url, headers: { "content-type": contentType }, expiresAt: expiresAt.toISOString() },
  };
}

/**
 * The browser says the upload finished: check that the object is really there, has the declared size and
 * starts like a PDF, then queue it. Anything else fails the document with a reason and removes the object.
 */
export async function completeUpload(
  deps: { db: Db; storage: Storage; queue: WorkerUtils },
  documentId: string,
): Promise<Document> {
  const doc = await getDocument(deps.db, documentId);
  if (!doc) throw new AppError("not_found", "document not found", "Document not found.");
  if (doc.status !== "uploading") return doc; // completing twice is harmless

  const head = await headObject(deps.storage, doc.objectKey);
  let problem: { code: string; message: string } | null = null;
  if (!head) problem = { code: "upload_missing", message: "The file never arrived in storage. Please upload it again." };
  else if (head.size !== doc.sizeBytes)
    problem = {
      code: "size_mismatch",
      message: `The stored file has ${head.size} bytes but ${doc.sizeBytes} were declared. Please upload it again.`,
    };
  else {
    const head = await readObjectHead(deps.storage, doc.objectKey, IMAGE_HEAD_BYTES);
    const kind = sniffFileType(head);
    const tail = IMAGE_KINDS.has(kind) && kind !== "tiff" ? await readObjectTail(deps.storage, doc.objectKey, doc.sizeBytes, 16) : new Uint8Array();
    problem = kind === "tiff" ? tiffProblem(head, doc.sizeBytes) : fileProblem(kind, head, tail);
  }
  if (problem) {
    const failed = await failDocument(deps.db, documentId, problem.code, problem.message);
    await deletePrefix(deps.storage, objectKeys.documentPrefix(documentId));
    return failed ?? doc;
  }

  const queued = await transitionDocument(deps.db, documentId, ["uploading"], { status: "queued", uploadExpiresAt: null });
  await enqueueDocument(deps.queue, queued ?? doc);
  return queued ?? doc;
}

/**
 * A TIFF's first frame, when its directory lies in the first bytes (writers may put it after the image
 * data: then the render thread checks it, with every other frame, before any is decoded).
 */
function tiffProblem(head: Uint8Array, fileSize: number): { code: string; message: string } | null {
  const layout = readTiffLayout(head, { firstOnly: true });
  if (layout.ok) return tiffFrameProblem(layout.frames[0]!, fileSize, 0, 1);
  if (!layout.short) return { code: "image_invalid", message: layout.message };
  if (head.length < fileSize && layout.at <= fileSize) return null;
  return { code: "image_invalid", message: "The TIFF is truncated: its frame directory goes past the end of the file." };
}

/** What a stored upload may be: a PDF, or a PNG, JPEG or WebP image whose header is sane; else the reason. */
function fileProblem(kind: FileKind, head: Uint8Array, tail: Uint8Array): { code: string; message: string } | null {
  if (kind === "pdf") return null;
  if (!IMAGE_KINDS.has(kind)) {
    const what = kind === "unknown" ? "" : `: it is ${KIND_NAMES[kind]}`;
    return { code: "pdf_invalid", message: `The file is not a PDF (it does not start with %PDF-) nor a PNG, JPEG, WebP or TIFF image${what}.` };
  }
  const size = imageHeaderSize(kind, head);
  if (!size) {
    // A JPEG's frame header may sit after large metadata; the decoder checks it then.
    if (kind === "jpeg") return null;
    return { code: "image_invalid", message: `The file starts like ${KIND_NAMES[kind]} but its header is truncated or broken.` };
  }
  if (!imageEndsWell(kind, tail)) return { code: "image_invalid", message: `The ${kind.toUpperCase()} image is truncated (it does not end as one does).` };
  if (!size.width || !size.height) return { code: "image_invalid", message: `The image has no pixels (${size.width}x${size.height}).` };
  if (size.width * size.height > MAX_IMAGE_PIXELS) {
    return { code: "image_too_large", message: `The image is ${size.width}x${size.height} pixels; the limit is ${MAX_IMAGE_PIXELS / 1e6} megapixels.` };
  }
  return null;
}

/**
 * Queues a document for the worker that serves its model. A document from before models were chosen at upload
 * has none: its job goes unrouted, to the workers serving the default model.
 */
export async function enqueueDocument(queue: WorkerUtils, doc: Pick<Document, "id" | "modelId">) {
  await queue.addJob(
    doc.modelId ? detectJobRouting(doc.modelId).documentTask : "document__process",
    { documentId: doc.id },
    { jobKey: jobKeys.document(doc.id), maxAttempts: MAX_ATTEMPTS.document },
  );
}
