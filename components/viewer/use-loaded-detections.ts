"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useMemo, useRef, useSyncExternalStore } from "react";
import type { PageDto } from "@/lib/api-types";

/** `counts`: boxes at or above the threshold per label; `labels`: every label seen, whatever its score. */
export type ClassCounts = { counts: Map<string, number>; labels: Set<string>; loadedPages: number };

/**
 * Per-class detection counts (at or above `threshold`) over the pages whose detections are in the cache,
 * recomputed whenever one of this document's page queries changes.
 */
export function useLoadedDetections(documentId: string, threshold: number): ClassCounts {
  const client = useQueryClient();
  const version = useRef(0);
  const subscribe = useCallback(
    (onChange: () => void) =>
      client.getQueryCache().subscribe((event) => {
        const key = event.query.queryKey;
        // Only data changes count: queries are also added to the cache while a page renders, and reacting
        // to that would update the viewer in the middle of another component's render.
        const dataChanged = (event.type === "updated" && event.action.type === "success") || event.type === "removed";
        if (dataChanged && key[0] === "page" && key[1] === documentId) {
          version.current++;
          onChange();
        }
      }),
    [client, documentId],
  );
  const current = useSyncExternalStore(
    subscribe,
    () => version.current,
    () => 0,
  );

  return useMemo(() => {
    void current;
    const counts = new Map<string, number>();
    const labels = new Set<string>();
    let loadedPages = 0;
    for (const [, page] of client.getQueriesData<PageDto>({ queryKey: ["page", documentId] })) {
      if (!page?.detections || page.status !== "done") continue;
      loadedPages++;
      for (const d of page.detections) {
        labels.add(d.label);
        if (d.score >= threshold) counts.set(d.label, (counts.get(d.label) ?? 0) + 1);
      }
    }
    return { counts, labels, loadedPages };
  }, [client, documentId, threshold, current]);
}
