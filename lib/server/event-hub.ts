import { z } from "zod";
import { EVENTS_CHANNEL } from "../../db/events";
import type { Sql } from "../../db/client";
import { createLogger } from "../logger";

const notificationSchema = z.object({ documentId: z.string(), eventId: z.number() });
type Listener = (eventId: number) => void;

/**
 * One LISTEN connection per web process, fanned out to every SSE client of a document.
 * postgres.js re-establishes the LISTEN after a connection loss; `onReconnect` lets streams catch up
 * on anything notified while it was down.
 */
export function createEventHub(sql: Sql) {
  const log = createLogger("events");
  const byDocument = new Map<string, Set<Listener>>();
  const reconnectListeners = new Set<() => void>();
  let listening: Promise<unknown> | undefined;

  function ensureListening() {
    listening ??= sql
      .listen(
        EVENTS_CHANNEL,
        (raw) => {
          const parsed = notificationSchema.safeParse(JSON.parse(raw));
          if (!parsed.success) return;
          for (const listener of byDocument.get(parsed.data.documentId) ?? []) listener(parsed.data.eventId);
        },
        () => {
          for (const fn of reconnectListeners) fn();
        },
      )
      .catch((error: unknown) => {
        listening = undefined;
        log.error("LISTEN failed", { error: String(error) });
        throw error;
      });
    return listening;
  }

  return {
    async subscribe(documentId: string, onEvent: Listener, onReconnect: () => void): Promise<() => void> {
      let set = byDocument.get(documentId);
      if (!set) byDocument.set(documentId, (set = new Set()));
      set.add(onEvent);
      reconnectListeners.add(onReconnect);
      await ensureListening();
      return () => {
        set.delete(onEvent);
        if (set.size === 0) byDocument.delete(documentId);
        reconnectListeners.delete(onReconnect);
      };
    },
    clientCount: () => [...byDocument.values()].reduce((n, s) => n + s.size, 0),
  };
}

export type EventHub = ReturnType<typeof createEventHub>;
