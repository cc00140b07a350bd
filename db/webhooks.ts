import { randomUUID } from "node:crypto";
import { and, desc, eq, sql, type SQL } from "drizzle-orm";
import type { WebhookDeliveryDto, WebhookEvent } from "../lib/webhook-types";
import type { Db } from "./client";
import { iso, toDocumentDto, toPageDto } from "./dto";
import { documentEvents, documents, pages, webhookDeliveries, type WebhookDelivery } from "./schema";

const ENDED = new Set(["done", "failed", "cancelled"]);

/**
 * The webhook delivery an entry of the document event log calls for, created once (its dedupe key is
 * unique): a document's end, or with `callbackPages` a page's end. Returns the new delivery, or null when
 * the event calls for none or another worker created it already.
 */
export async function deliveryForEvent(db: Db, eventId: number): Promise<WebhookDelivery | null> {
  const [row] = await db
    .select({ event: documentEvents, document: documents })
    .from(documentEvents)
    .innerJoin(documents, eq(documents.id, documentEvents.documentId))
    .where(eq(documentEvents.id, eventId));
  const url = row?.document.callbackUrl;
  if (!row || !url) return null;
  const { event, document } = row;
  let type: WebhookEvent["type"];
  let dedupeKey: string;
  let page: WebhookEvent["page"];
  if (event.type === "status") {
    const status = String((event.payload as { status?: unknown }).status);
    if (!ENDED.has(status) || status !== document.status) return null;
    type = `document.${status}` as WebhookEvent["type"];
    dedupeKey = `status:${event.id}`;
  } else if (event.type === "page" && document.callbackPages) {
    const pageNumber = Number((event.payload as { pageNumber?: unknown }).pageNumber);
    const [p] = await db.select().from(pages).where(and(eq(pages.documentId, document.id), eq(pages.pageNumber, pageNumber)));
    if (!p || (p.status !== "done" && p.status !== "failed") || !p.finishedAt) return null;
    type = `page.${p.status}`;
    dedupeKey = `page:${p.id}:${p.finishedAt.getTime()}`;
    page = toPageDto(p);
  } else return null;

  const id = randomUUID();
  const payload: WebhookEvent = { id, type, createdAt: event.createdAt.toISOString(), document: toDocumentDto(document), ...(page ? { page } : {}) };
  const [created] = await db
    .insert(webhookDeliveries)
    .values({ id, documentId: document.id, type, dedupeKey, url, payload })
    .onConflictDoNothing({ target: webhookDeliveries.dedupeKey })
    .returning();
  return created ?? null;
}

/**
 * Document-end events of the last day that should have a delivery and have none (the worker was down when
 * they were notified); page events are delivered best-effort and not swept.
 */
export async function undeliveredEndEvents(db: Db, queueSchema: string): Promise<{ eventIds: number[]; pendingIds: string[] }> {
  const events = await db
    .select({ id: documentEvents.id })
    .from(documentEvents)
    .innerJoin(documents, eq(documents.id, documentEvents.documentId))
    .where(
      sql`${documents.callbackUrl} is not null and ${documentEvents.type} = 'status'
        and ${documentEvents.payload}->>'status' in ('done', 'failed', 'cancelled')
        and ${documentEvents.createdAt} > now() - interval '1 day'
        and not exists (select 1 from ${webhookDeliveries} w where w.dedupe_key = 'status:' || ${documentEvents.id})`,
    )
    .limit(500);
  // Deliveries created but whose job was never added (the process died in between).
  const jobs: SQL = sql`${sql.identifier(queueSchema)}.jobs`;
  const pending = await db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(
      sql`${webhookDeliveries.status} = 'pending' and ${webhookDeliveries.createdAt} < now() - interval '1 minute'
        and not exists (select 1 from ${jobs} j where j.key = 'webhook:' || ${webhookDeliveries.id})`,
    )
    .limit(500);
  return { eventIds: events.map((e) => e.id), pendingIds: pending.map((p) => p.id) };
}

export async function getDelivery(db: Db, id: string): Promise<WebhookDelivery | undefined> {
  const [row] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id));
  return row;
}

export async function recordAttempt(db: Db, id: string, outcome: { ok: boolean; statusCode: number | null; error: string | null; final: boolean }) {
  const now = new Date();
  await db
    .update(webhookDeliveries)
    .set({
      attempts: sql`${webhookDeliveries.attempts} + 1`,
      lastStatusCode: outcome.statusCode,
      lastError: outcome.error,
      lastAttemptAt: now,
      ...(outcome.ok ? { status: "delivered" as const, deliveredAt: now } : outcome.final ? { status: "failed" as const } : {}),
    })
    .where(eq(webhookDeliveries.id, id));
}

export async function listDeliveries(db: Db, opts: { documentId?: string; limit?: number }) {
  return db
    .select()
    .from(webhookDeliveries)
    .where(opts.documentId ? eq(webhookDeliveries.documentId, opts.documentId) : undefined)
    .orderBy(desc(webhookDeliveries.createdAt))
    .limit(opts.limit ?? 100);
}

export function toDeliveryDto(d: WebhookDelivery): WebhookDeliveryDto {
  return {
    id: d.id,
    documentId: d.documentId,
    type: d.type,
    url: d.url,
    status: d.status,
    attempts: d.attempts,
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    createdAt: d.createdAt.toISOString(),
    lastAttemptAt: iso(d.lastAttemptAt),
    deliveredAt: iso(d.deliveredAt),
  };
}
