import { sql } from "drizzle-orm";
import type { Db } from "./client";
import { documentEvents } from "./schema";

/** Postgres channel the worker NOTIFYs and every web process LISTENs on. */
export const EVENTS_CHANNEL = "pagewise_events";

export type EventType = "status" | "page" | "run";
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

/**
 * Appends to the document's event log and notifies listeners; the notification is delivered when
 * the surrounding transaction commits, so a listener never sees an event before its data.
 */
export async function recordEvent(
  tx: Db | Tx,
  documentId: string,
  type: EventType,
  payload: Record<string, unknown>,
): Promise<number> {
  const [row] = await tx.insert(documentEvents).values({ documentId, type, payload }).returning({ id: documentEvents.id });
  const id = row!.id;
  await tx.execute(sql`select pg_notify(${EVENTS_CHANNEL}, ${JSON.stringify({ documentId, eventId: id })})`);
  return id;
}
