/** pdf.js and file errors to the codes and words a user sees. Pure; runs inside the render thread. */
import type { ThreadError } from "./protocol";

/** A page number the document does not have (none at all: the document has no pages). */
export class PageRangeError extends Error {
  // Plain fields, no parameter properties: the render thread runs on Node's type stripping (see thread-boot.ts).
  readonly pageNumber: number;
  readonly pageCount: number;
  constructor(pageNumber: number, pageCount: number) {
    super(`page ${pageNumber} requested, the document has ${pageCount}`);
    this.name = "PageRangeError";
    this.pageNumber = pageNumber;
    this.pageCount = pageCount;
  }
}

/** What pdf.js said, short enough for a sentence: no trailing period, at most 120 characters. */
function reason(message: string): string {
  const flat = message.replace(/\s+/g, " ").trim().replace(/\.$/, "");
  return flat.length > 120 ? `${flat.slice(0, 117)}...` : flat || "no details";
}

const NO_PAGES: ThreadError = { code: "pdf_no_pages", message: "the page tree is empty", userMessage: "The PDF has no pages." };

/**
 * `stage` says what was being done: opening the document (any failure means the file is not a usable
 * PDF) or drawing one of its pages (the document is fine, that page is not).
 */
export function classify(error: unknown, stage: "open" | "page", pageNumber?: number): ThreadError {
  const name = (error as { name?: unknown } | null)?.name;
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  const syscall = (error as { syscall?: unknown } | null)?.syscall;

  if (typeof code === "string" && typeof syscall === "string") {
    // Our own copy of the upload is missing or unreadable: not the user's PDF's fault, so retried.
    return { code: "io_error", message, userMessage: "The uploaded file could not be read." };
  }
  if (error instanceof PageRangeError) {
    if (error.pageCount === 0) return { ...NO_PAGES, message };
    return { code: "render_failed", message, userMessage: `The PDF has only ${error.pageCount} pages; page ${error.pageNumber} does not exist.` };
  }
  if (name === "PasswordException") {
    return { code: "pdf_encrypted", message, userMessage: "The PDF is password-protected. Upload a copy without a password." };
  }
  if (stage === "open") {
    return { code: "pdf_invalid", message: `${String(name ?? "Error")}: ${message}`, userMessage: `The file is not a valid PDF (${reason(message)}).` };
  }
  const which = pageNumber ? `Page ${pageNumber}` : "The page";
  return { code: "render_failed", message: `${String(name ?? "Error")}: ${message}`, userMessage: `${which} could not be rendered (${reason(message)}).` };
}

export function noPages(): ThreadError {
  return { ...NO_PAGES };
}
