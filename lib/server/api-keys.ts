import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { and, desc, eq, isNull, lt, or } from "drizzle-orm";
import type { Db } from "../../db/client";
import { apiKeys, type ApiKey } from "../../db/schema";
import { AppError } from "../errors";

/** `pw_` + 10 hex (the prefix, public, finds the row) + `_` + 43 base64url characters (256 random bits). */
const KEY_PATTERN = /^(pw_[0-9a-f]{10})_[A-Za-z0-9_-]{43}$/;
/** Compared against when no row matches, so a miss costs the same hash comparison as a hit. */
const NO_KEY_HASH = createHash("sha256").update("pagewise:no-such-key").digest();
/** last_used_at is written at most this often per key, not on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

const sha256 = (value: string) => createHash("sha256").update(value).digest();

export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const prefix = `pw_${randomBytes(5).toString("hex")}`;
  const key = `${prefix}_${randomBytes(32).toString("base64url")}`;
  return { key, prefix, hash: sha256(key).toString("hex") };
}

/** Creates a key; the returned `secret` is the only time the whole key exists outside the caller. */
export async function createApiKey(db: Db, input: { name: string; callbackUrl?: string | null }) {
  const { key, prefix, hash } = generateApiKey();
  const [row] = await db.insert(apiKeys).values({ name: input.name, prefix, hash, callbackUrl: input.callbackUrl ?? null }).returning();
  return { apiKey: row!, secret: key };
}

export async function listApiKeys(db: Db): Promise<ApiKey[]> {
  return db.select().from(apiKeys).orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
}

/** Revoking is final and idempotent; documents the key created stay readable by the admin. */
export async function revokeApiKey(db: Db, id: string): Promise<ApiKey> {
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning();
  if (row) return row;
  const [existing] = await db.select().from(apiKeys).where(eq(apiKeys.id, id));
  if (!existing) throw new AppError("not_found", "api key not found", "API key not found.");
  return existing;
}

const invalidKey = () =>
  new AppError("unauthorized", "invalid api key", "The API key is missing, malformed, revoked or wrong (send Authorization: Bearer pw_…).");

/**
 * Finds the key a bearer token names. Wrong, revoked and malformed keys all get the same 401; the secret is
 * compared as sha256 digests with a constant-time comparison, also when no row matched.
 */
export async function authenticateApiKey(db: Db, token: string, now = new Date()): Promise<ApiKey> {
  const match = KEY_PATTERN.exec(token);
  const [row] = match ? await db.select().from(apiKeys).where(eq(apiKeys.prefix, match[1]!)) : [];
  const expected = row ? Buffer.from(row.hash, "hex") : NO_KEY_HASH;
  const same = expected.length === 32 && timingSafeEqual(sha256(token), expected);
  if (!match || !row || !same || row.revokedAt) throw invalidKey();
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await db
      .update(apiKeys)
      .set({ lastUsedAt: now })
      .where(and(eq(apiKeys.id, row.id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, new Date(now.getTime() - LAST_USED_RESOLUTION_MS)))));
  }
  return row;
}

/** The `Authorization` header's bearer token; null when there is no header, a 401 when it is not a bearer. */
export function bearerToken(request: Request): string | null {
  const header = request.headers.get("authorization");
  if (header === null) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw invalidKey();
  return match[1]!;
}
