/**
 * Whether retrying a document can help. A retry reads the same file with the same code, so a failure that
 * comes from the file itself (not a PDF, locked, no pages, too many pages, never uploaded) can only come
 * back; failures of the services or of time can change. Shared by the API (which refuses with 409) and
 * the admin page (which shows why there is no Retry button).
 */

/** Failures that can change between attempts: outages, time limits, crashes, our own bugs. */
export const TRANSIENT_FAILURES = {
  storage_unavailable: "the file storage could not be reached",
  database_error: "the database could not complete the work",
  internal_error: "an unexpected error stopped processing",
  retries_exhausted: "the worker gave up after several attempts",
  render_timeout: "a time limit was reached (a less busy worker may finish)",
  all_pages_failed: "every page failed, which may have been an outage or a time limit",
  ocr_language_missing: "the worker lacked the OCR language data (installing it lets a retry read the pages)",
  model_not_served: "the worker that took the page serves another model (a worker with the run's model can finish it)",
} as const;

/** Failures a retry would meet again, each with what would help instead. */
export const PERMANENT_FAILURES = {
  pdf_invalid: "The file is not a valid PDF, and a retry would read the same bytes. Upload a repaired file.",
  pdf_encrypted: "The PDF is password-protected. Upload a copy without a password.",
  pdf_no_pages: "The PDF has no pages.",
  too_many_pages: "The PDF has more pages (or the TIFF more frames) than MAX_PAGES allows. Split it, or raise the limit and upload it again.",
  render_failed: "The renderer failed on this file (it could not draw it, or crashed on it); the same file would fail the same way.",
  upload_missing: "The file never arrived in storage. Upload it again.",
  size_mismatch: "The stored file is not the size that was declared. Upload it again.",
  upload_expired: "The upload was never completed. Upload the file again.",
  image_invalid: "The image could not be decoded, and a retry would read the same bytes. Upload a repaired file.",
  image_too_large: "The image has more pixels than allowed. Upload a smaller image.",
  image_unsupported: "The image is stored in a way the decoder cannot read (a TIFF compression or colour model). Convert it (to PNG, or an LZW or Deflate TIFF) and upload it again.",
  pages_out_of_range: "The selected pages are not in the file. Upload it again with a page range inside the file.",
} as const;

export type RetryVerdict = { retryable: true } | { retryable: false; why: string };

/**
 * Failed or cancelled documents can be retried unless their failure is permanent. A code this module does
 * not know (a newer worker's) is offered: refusing a retry that could work is worse than one that fails.
 */
export function retryVerdict(doc: { status: string; errorCode: string | null }): RetryVerdict {
  if (doc.status === "cancelled") return { retryable: true };
  if (doc.status !== "failed") return { retryable: false, why: `Only failed or cancelled documents can be retried (this one is ${doc.status}).` };
  const permanent = doc.errorCode ? (PERMANENT_FAILURES as Record<string, string>)[doc.errorCode] : undefined;
  return permanent ? { retryable: false, why: permanent } : { retryable: true };
}
