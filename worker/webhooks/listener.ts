import { z } from "zod";
import type { Sql } from "../../db/client";
import { EVENTS_CHANNEL } from "../../db/events";
import type { Logger } from "../../lib/logger";

const notification = z.object({ documentId: z.string(), eventId: z.number() });

/**
 * Listens to the document event channel and hands each event id to `onEvent` (the webhook dispatcher).
 * Events notified while no worker listened are picked up by the `webhooks__sweep` cron task.
 */
export async function listenForEvents(sql: Sql, logger: Logger, onEvent: (eventId: number) => Promise<unknown>) {
  const { unlisten } = await sql.listen(EVENTS_CHANNEL, (raw) => {
    const parsed = notification.safeParse((() => { try { return JSON.parse(raw); } catch { return null; } })());
    if (!parsed.success) return;
    onEvent(parsed.data.eventId).catch((error: unknown) => logger.warn("webhook dispatch failed (the sweep retries it)", { eventId: parsed.data.eventId, error: String(error) }));
  });
  return { stop: () => unlisten().catch(() => {}) };
}
