import { z } from "zod";
import { AppError, isAppError } from "../errors";
import { runNumberSchema } from "../api-query";
import { createLogger } from "../logger";

const STATUS_BY_CODE: Record<string, number> = {
  bad_request: 400,
  invalid_json: 400,
  validation_failed: 400,
  invalid_id: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  not_retryable: 409,
  payload_too_large: 413,
  file_too_large: 413,
  unsupported_type: 415,
  rate_limited: 429,
  unavailable: 503,
};

const log = createLogger("web");

export function jsonError(code: string, message: string, status = STATUS_BY_CODE[code] ?? 400, headers?: HeadersInit) {
  return Response.json({ error: { code, message } }, { status, headers });
}

/** Runs a route body; AppErrors become `{ error: { code, message } }`, anything else a 500 without internals. */
export async function handle(fn: () => Promise<Response>): Promise<Response> {
  try {
    return await fn();
  } catch (error) {
    if (isAppError(error)) return jsonError(error.code, error.userMessage);
    log.error("unhandled error in route", { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    return jsonError("internal", "Something went wrong on our side. Please try again.", 500);
  }
}

/** Largest JSON body any route accepts. */
export const MAX_JSON_BYTES = 16 * 1024;

/** Reads and validates a JSON body, refusing oversized or malformed input with a clear code. */
export async function parseJson<T extends z.ZodType>(request: Request, schema: T): Promise<z.infer<T>> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_JSON_BYTES) throw new AppError("payload_too_large", "body too large", `Request bodies are limited to ${MAX_JSON_BYTES} bytes.`);
  const text = await readLimited(request, MAX_JSON_BYTES);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AppError("invalid_json", "malformed JSON", "The request body is not valid JSON.");
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new AppError("validation_failed", "invalid body", `Invalid request: ${z.prettifyError(parsed.error).replace(/\n/g, " ")}`);
  }
  return parsed.data;
}

async function readLimited(request: Request, limit: number): Promise<string> {
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new AppError("payload_too_large", "body too large", `Request bodies are limited to ${limit} bytes.`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export const documentIdSchema = z.uuid();

export function parseDocumentId(raw: string): string {
  const parsed = documentIdSchema.safeParse(raw);
  if (!parsed.success) throw new AppError("invalid_id", "malformed id", "That is not a valid document id.");
  return parsed.data;
}

export const pageNumberSchema = z.coerce.number().int().min(1).max(1_000_000);

export function notFound(what = "Document"): never {
  throw new AppError("not_found", `${what} not found`, `${what} not found.`);
}

/**
 * Client address for rate limiting: the last X-Forwarded-For hop, the one Heroku's router (or any
 * proxy in front) appended; earlier hops are whatever the client chose to send.
 */
export function clientAddress(request: Request): string {
  return request.headers.get("x-forwarded-for")?.split(",").pop()?.trim() || request.headers.get("x-real-ip") || "local";
}

/** A run's route parameters (`/api/documents/:id/runs/:run/…`): the document id and the run number, or a 400. */
export function parseRunParams(raw: { id: string; run: string }): { id: string; run: number } {
  const id = parseDocumentId(raw.id);
  const n = runNumberSchema.safeParse(raw.run);
  if (!n.success) throw new AppError("invalid_id", "bad run number", "That is not a valid run number.");
  return { id, run: n.data };
}
