"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { streamEventSchema } from "@/lib/api-types";
import { eventsUrl, queryKeys } from "@/components/api/endpoints";
import { applyStreamEvent, isTerminal } from "./document-cache";

export type StreamState = "idle" | "connecting" | "live" | "reconnecting" | "stopped";

/**
 * Follows a document's server-sent events while it is still in progress and merges them into the cache.
 * EventSource reconnects by itself and resumes with Last-Event-ID; once the document has ended the stream
 * is closed here (the server ends it too, and EventSource would otherwise reconnect).
 */
export function useDocumentStream(documentId: string, active: boolean): StreamState {
  const client = useQueryClient();
  const [state, setState] = useState<StreamState>("idle");

  useEffect(() => {
    if (!active) {
      setState("idle");
      return;
    }
    setState("connecting");
    const source = new EventSource(eventsUrl(documentId));
    const onEvent = (message: MessageEvent<string>) => {
      let data: unknown;
      try {
        data = JSON.parse(message.data);
      } catch {
        return;
      }
      const parsed = streamEventSchema.safeParse(data);
      if (!parsed.success) return;
      const event = parsed.data;
      applyStreamEvent(client, documentId, event);
      if ((event.type === "snapshot" || event.type === "status") && isTerminal(event.document.status)) {
        source.close();
        // The end can change pages without page events (cancelled pages) and pages finished between the
        // snapshot and the end may have been skipped: read the document again, and pages when shown.
        void client.invalidateQueries({ queryKey: queryKeys.document(documentId) });
        void client.invalidateQueries({ queryKey: ["page", documentId] });
      }
    };
    for (const type of ["snapshot", "status", "page"]) source.addEventListener(type, onEvent as EventListener);
    source.onopen = () => setState("live");
    source.onerror = () => setState(source.readyState === EventSource.CLOSED ? "stopped" : "reconnecting");
    return () => source.close();
  }, [client, documentId, active]);

  return state;
}

