import type { QueryClient } from "@tanstack/react-query";
import type { DocumentDto, PageDto, RunDto, StreamEvent } from "@/lib/api-types";
import { queryKeys } from "@/components/api/endpoints";

export type DocumentDetail = { document: DocumentDto; pages: PageDto[] };

export const TERMINAL_STATUSES: ReadonlySet<DocumentDto["status"]> = new Set(["done", "failed", "cancelled"]);
export const isTerminal = (status: DocumentDto["status"]) => TERMINAL_STATUSES.has(status);

/** The page list keeps no detections (they live per page, fetched when the page is near the viewport). */
function slim(page: PageDto): PageDto {
  if (!page.detections) return page;
  const { detections: _omit, ...rest } = page;
  return rest;
}

/** Inserts or replaces one page, keeping page order, and recounts the document's finished pages. */
export function upsertPage(detail: DocumentDetail, page: PageDto): DocumentDetail {
  const next = slim(page);
  const pages = detail.pages.slice();
  const at = pages.findIndex((p) => p.pageNumber === page.pageNumber);
  if (at >= 0) pages[at] = next;
  else {
    pages.push(next);
    pages.sort((a, b) => a.pageNumber - b.pageNumber);
  }
  const pagesDone = pages.filter((p) => p.status === "done").length;
  const pagesFailed = pages.filter((p) => p.status === "failed").length;
  return { pages, document: { ...detail.document, pagesDone, pagesFailed } };
}

/** Merges one server-sent event into the React Query cache. */
export function applyStreamEvent(client: QueryClient, documentId: string, event: StreamEvent) {
  const key = queryKeys.document(documentId);
  switch (event.type) {
    case "snapshot":
      client.setQueryData<DocumentDetail>(key, { document: event.document, pages: event.pages.map(slim) });
      return;
    case "status":
      client.setQueryData<DocumentDetail>(key, (old) => (old ? { ...old, document: event.document } : { document: event.document, pages: [] }));
      return;
    case "run":
      client.setQueryData<RunDto[]>(queryKeys.runs(documentId), (old) =>
        old ? (old.some((r) => r.number === event.run.number) ? old.map((r) => (r.number === event.run.number ? event.run : r)) : [...old, event.run]) : old,
      );
      if (event.pageNumber !== null) void client.invalidateQueries({ queryKey: queryKeys.runPage(documentId, event.run.number, event.pageNumber) });
      return;
    case "page": {
      client.setQueryData<DocumentDetail>(key, (old) => (old ? upsertPage(old, event.page) : old));
      const pageKey = queryKeys.page(documentId, event.page.pageNumber);
      if (event.page.detections || event.page.status !== "done") client.setQueryData<PageDto>(pageKey, event.page);
      else void client.invalidateQueries({ queryKey: pageKey });
      return;
    }
  }
}
