import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { failDocument, getDocument } from "../db/documents";
import { testContext } from "../scripts/test/context";
import { classify, PageRangeError } from "../worker/render/classify";
import { RETRIES_EXHAUSTED } from "../worker/tasks/documents__settle";
import { DATABASE_ERROR, INTERNAL_ERROR, STORAGE_UNAVAILABLE } from "../worker/tasks/retry";
import { UPLOAD_EXPIRED } from "../worker/tasks/uploads__expire";
import { MODEL_NOT_SERVED } from "../worker/run-detect";
import { PERMANENT_FAILURES, retryVerdict, TRANSIENT_FAILURES } from "./retry-rule";
import { retryDocument } from "./server/document-actions";
import { handle } from "./server/http";
import { createUpload } from "./server/uploads";

const root = path.resolve(import.meta.dirname, "..");

/** Every failure code a document or page can be left with, and whether a retry can help. */
const EXPECTED: Record<string, boolean> = {
  model_not_served: true,
  storage_unavailable: true,
  database_error: true,
  internal_error: true,
  retries_exhausted: true,
  render_timeout: true,
  all_pages_failed: true,
  pdf_invalid: false,
  pdf_encrypted: false,
  pdf_no_pages: false,
  too_many_pages: false,
  render_failed: false,
  upload_missing: false,
  size_mismatch: false,
  upload_expired: false,
  image_invalid: false,
  image_too_large: false,
  image_unsupported: false,
  pages_out_of_range: false,
  ocr_language_missing: true,
};

/** Codes written as failures in the worker, the database layer and the upload check, read from their source. */
function codesInSource(): Set<string> {
  const files = [
    ...readdirSync(path.join(root, "worker"), { recursive: true, encoding: "utf8" }).map((f) => path.join("worker", f)),
    ...readdirSync(path.join(root, "db")).map((f) => path.join("db", f)),
  ].filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !f.includes("test-models"));
  const codes = new Set<string>();
  const read = (file: string) => readFileSync(path.join(root, file), "utf8");
  for (const file of files) {
    for (const m of read(file).matchAll(/(?:\bcode: |errorCode: |new (?:AppError|ImageError)\(\s*|failDocument\(\s*[\w.]+,\s*[\w.]+,\s*)"([a-z_]+)"/g)) codes.add(m[1]!);
  }
  // The upload check fails documents with `problem` objects; its AppErrors are answers to requests (413, 415).
  // So does the TIFF frame check it shares with the render thread.
  for (const file of ["lib/server/uploads.ts", "lib/tiff-layout.ts"]) for (const m of read(file).matchAll(/\bcode: "([a-z_]+)"/g)) codes.add(m[1]!);
  // Never stored: the renderer turns it into a plain error, retried by the queue and then classified.
  codes.delete("io_error");
  // model:add's refusal (worker/model/install.ts, probe.ts): an answer on the command line, never a document's.
  codes.delete("model_refused");
  return codes;
}

describe("retry only where it can help", () => {
  it("classifies every failure code the worker and the upload check produce", () => {
    const produced = new Set([
      ...codesInSource(),
      STORAGE_UNAVAILABLE.code,
      DATABASE_ERROR.code,
      INTERNAL_ERROR.code,
      RETRIES_EXHAUSTED.code,
      UPLOAD_EXPIRED.code,
      MODEL_NOT_SERVED,
      classify(Object.assign(new Error("Invalid PDF structure."), { name: "InvalidPDFException" }), "open").code,
      classify(Object.assign(new Error("No password given"), { name: "PasswordException" }), "open").code,
      classify(new PageRangeError(1, 0), "open").code,
      classify(new Error("bad operator"), "page", 3).code,
    ]);
    expect(produced.size).toBeGreaterThanOrEqual(14);
    expect([...produced].sort()).toEqual(Object.keys(EXPECTED).sort());
    expect(Object.keys({ ...TRANSIENT_FAILURES, ...PERMANENT_FAILURES }).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))("%s: retry offered = %s", (code, retryable) => {
    const verdict = retryVerdict({ status: "failed", errorCode: code });
    expect(verdict.retryable).toBe(retryable);
    if (!verdict.retryable) expect(verdict.why).toMatch(/^[A-Z].{15,}\.$/);
  });

  it("offers cancelled documents and unknown codes (a newer worker's), never documents still running or done", () => {
    expect(retryVerdict({ status: "cancelled", errorCode: null })).toEqual({ retryable: true });
    expect(retryVerdict({ status: "failed", errorCode: "something_new" })).toEqual({ retryable: true });
    for (const status of ["uploading", "queued", "processing", "done"]) expect(retryVerdict({ status, errorCode: null }).retryable).toBe(false);
  });
});

describe("POST /api/documents/:id/retry", () => {
  const ctx = testContext({ QUEUE_SCHEMA: "q_retry_rule" });
  afterAll(() => ctx.close());

  async function failedWith(code: string) {
    const { document } = await createUpload(ctx, { filename: `${code}.pdf`, sizeBytes: 100, contentType: "application/pdf" });
    await failDocument(ctx.db, document.id, code, `failed with ${code}`);
    return document.id;
  }
  const retry = async (id: string) => handle(async () => Response.json(await retryDocument({ db: ctx.db, storage: ctx.storage, queue: await ctx.queue() }, id)));

  it.each(Object.entries(EXPECTED))("%s: retryable %s (409 with the reason otherwise)", async (code, retryable) => {
    const id = await failedWith(code);
    const res = await retry(id);
    if (retryable) {
      expect(res.status).toBe(200);
      expect((await getDocument(ctx.db, id))?.status).toBe("queued");
    } else {
      expect(res.status).toBe(409);
      expect(await res.json()).toEqual({ error: { code: "not_retryable", message: PERMANENT_FAILURES[code as keyof typeof PERMANENT_FAILURES] } });
      expect(await getDocument(ctx.db, id)).toMatchObject({ status: "failed", errorCode: code });
    }
  });
});
