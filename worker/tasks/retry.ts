import type { Job } from "graphile-worker";

/** Graphile Worker counts the running attempt in `attempts`. */
export function isLastAttempt(job: Pick<Job, "attempts" | "max_attempts">): boolean {
  return job.attempts >= job.max_attempts;
}

/** What a document or page is failed with once its job has no attempts left. */
export type Failure = { kind: "storage" | "database" | "internal"; code: string; message: string };

export const STORAGE_UNAVAILABLE: Failure = {
  kind: "storage",
  code: "storage_unavailable",
  message: "The file storage could not be reached after several attempts. Please retry the document later.",
};

export const DATABASE_ERROR: Failure = {
  kind: "database",
  code: "database_error",
  message: "The database could not complete this work after several attempts. Please retry the document later.",
};

export const INTERNAL_ERROR: Failure = {
  kind: "internal",
  code: "internal_error",
  message: "Processing stopped because of an unexpected error. Please retry the document later.",
};

/** Node's codes for a peer that cannot be reached or went away mid-request. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
  "ERR_STREAM_PREMATURE_CLOSE",
]);

type ErrorLike = { name?: unknown; code?: unknown; $metadata?: unknown; $fault?: unknown; cause?: unknown; constructor?: { name?: string } };

/** The error and its `cause`s, outermost first (bounded: causes can be cyclic). */
function chain(error: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  for (let e = error; e && typeof e === "object" && out.length < 8; e = (e as ErrorLike).cause) out.push(e as ErrorLike);
  return out;
}

/**
 * postgres.js: server errors are `PostgresError`s; its connection errors carry the failed `query`.
 * drizzle-orm wraps both in a `DrizzleQueryError`. Checked by shape: drizzle's classes exist twice (its
 * CommonJS build under worker/resolve-ts.ts, its ESM build in the bundle and the tests), so `instanceof`
 * would depend on who imported them.
 */
function isDatabaseError(e: ErrorLike): boolean {
  return e.name === "PostgresError" || e.constructor?.name === "DrizzleQueryError" || Object.prototype.hasOwnProperty.call(e, "query");
}

/** The AWS SDK puts `$metadata` on every error it returns, service errors and network errors alike. */
function isStorageError(e: ErrorLike): boolean {
  return typeof e.$metadata === "object" && e.$metadata !== null;
}

function isNetworkError(e: ErrorLike): boolean {
  return (typeof e.code === "string" && NETWORK_CODES.has(e.code)) || e.name === "TimeoutError" || e.name === "AbortError";
}

/**
 * Says why a job gave up, in words for the user; the error itself goes to the logs only.
 * A network error from neither the database nor the SDK (a download stream cut mid-body) is storage:
 * the database and the store are the only services the worker talks to.
 */
export function classifyFailure(error: unknown): Failure {
  const errors = chain(error);
  if (errors.some(isDatabaseError)) return DATABASE_ERROR;
  if (errors.some(isStorageError) || errors.some(isNetworkError)) return STORAGE_UNAVAILABLE;
  return INTERNAL_ERROR;
}

/** SQLSTATEs of a connection lost or refused: class 08, and the server shutting down or starting up. */
const CONNECTION_SQLSTATES = /^(08...|57P0[123])$/;
/** postgres.js's own codes for a connection that went away. */
const POSTGRES_JS_CODES = new Set(["CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED", "CONNECT_TIMEOUT"]);

/**
 * A peer (database or store) could not be reached or dropped the connection: an outage, not a bug.
 * Covers pg (Graphile Worker's driver), postgres.js and Node's network errors.
 */
export function isConnectionError(error: unknown): boolean {
  return chain(error).some(
    (e) =>
      isNetworkError(e) ||
      (typeof e.code === "string" && (CONNECTION_SQLSTATES.test(e.code) || POSTGRES_JS_CODES.has(e.code))) ||
      /^Connection terminated|not queryable/.test(String((e as { message?: unknown }).message)),
  );
}
