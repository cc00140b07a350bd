import { createHmac, timingSafeEqual } from "node:crypto";

/** Header names of a webhook request. */
export const WEBHOOK_HEADERS = {
  id: "pagewise-event-id",
  timestamp: "pagewise-timestamp",
  signature: "pagewise-signature",
} as const;

/** `v1=` + hex HMAC-SHA256 over `<timestamp>.<body>` (timestamp in Unix seconds, body as sent). */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/**
 * What a receiver does (the README's recipe, in TypeScript): recompute, compare in constant time, and refuse
 * stale timestamps so a captured request cannot be replayed later.
 */
export function verifyWebhook(secret: string, headers: { timestamp: string | null; signature: string | null }, body: string, opts: { toleranceSeconds?: number; now?: number } = {}): boolean {
  const timestamp = Number(headers.timestamp);
  if (!Number.isInteger(timestamp) || !headers.signature) return false;
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (opts.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
