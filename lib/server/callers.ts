import type { Db } from "../../db/client";
import { getDocument } from "../../db/documents";
import type { ApiKey, Document } from "../../db/schema";
import { anonymousUploadsOpen, type Env } from "../env";
import { AppError } from "../errors";
import { notFound } from "./http";
import { ADMIN_COOKIE, isAdminSession, readCookie } from "./admin-auth";
import { authenticateApiKey, bearerToken } from "./api-keys";
import { createRateLimiter } from "./rate-limit";

/** Who is asking: a program with a key, the signed-in admin, or an anonymous browser. */
export type Caller = { kind: "key"; key: ApiKey } | { kind: "admin" } | { kind: "anonymous" };

type Limiter = ReturnType<typeof createRateLimiter>;
const globals = globalThis as unknown as { pagewiseKeyLimiter?: Limiter };

function keyLimiter(env: Env): Limiter {
  globals.pagewiseKeyLimiter ??= createRateLimiter({ limit: env.API_KEY_REQUESTS_PER_MINUTE, windowMs: 60_000 });
  return globals.pagewiseKeyLimiter;
}

/**
 * A request with an `Authorization` header is a key's, and is refused (401) unless the key is valid; every
 * request of a key counts against its per-minute limit. Without the header: the admin cookie, or anonymous.
 */
export async function identifyCaller(deps: { db: Db; env: Env }, request: Request): Promise<Caller> {
  const token = bearerToken(request);
  if (token !== null) {
    const key = await authenticateApiKey(deps.db, token);
    const wait = keyLimiter(deps.env).hit(`key:${key.id}`);
    if (wait) throw new AppError("rate_limited", "api key rate", `Too many requests for this API key. Try again in ${wait} s.`);
    return { kind: "key", key };
  }
  if (isAdminSession(readCookie(request, ADMIN_COOKIE))) return { kind: "admin" };
  return { kind: "anonymous" };
}

/**
 * A key sees only its own documents; a document created with a key is seen by that key and the admin.
 * Browser documents (no key) stay readable by whoever has their id, as before keys existed.
 * Anything else is "not found", never "forbidden": ids of other keys' documents are not confirmed.
 */
export function canSee(caller: Caller, doc: Pick<Document, "apiKeyId">): boolean {
  if (caller.kind === "admin") return true;
  if (caller.kind === "key") return doc.apiKeyId === caller.key.id;
  return doc.apiKeyId === null;
}

export function assertCanUpload(caller: Caller, env: Env): void {
  if (caller.kind === "anonymous" && !anonymousUploadsOpen(env)) {
    throw new AppError(
      "unauthorized",
      "anonymous upload refused",
      "Uploads need an API key (Authorization: Bearer pw_…) or an admin session on this server.",
    );
  }
}

/** The document, when this caller may see it; otherwise the same 404 as for a missing one. */
export async function visibleDocument(deps: { db: Db }, caller: Caller, id: string): Promise<Document> {
  const doc = await getDocument(deps.db, id);
  if (!doc || !canSee(caller, doc)) notFound();
  return doc;
}
