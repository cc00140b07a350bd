"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect } from "react";
import type { DocumentDto } from "@/lib/api-types";
import { fetchDocumentSummary, queryKeys } from "@/components/api/endpoints";
import { ApiError, errorMessage } from "@/components/api/fetch-json";
import { formatBytes } from "@/components/format";
import { ProgressBar } from "@/components/ui/progress-bar";
import { StatusBadge } from "@/components/ui/status-badge";
import { isTerminal } from "@/components/viewer/document-cache";

/**
 * How often a row asks for its document while it is in progress. Polling, not one EventSource per row: a
 * folder of files would hold that many connections open, over the browser's six per host on HTTP/1.1.
 */
export const ROW_POLL_MS = 1500;

export const useDocumentSummary = (id: string) =>
  useQuery({
    queryKey: queryKeys.documentSummary(id),
    queryFn: ({ signal }) => fetchDocumentSummary(id, signal),
    staleTime: 0,
    refetchInterval: (query) => (query.state.data && isTerminal(query.state.data.status) ? false : ROW_POLL_MS),
  });

export function statusText(doc: DocumentDto): string {
  const pages = doc.pageCount === 1 ? "1 page" : `${doc.pageCount ?? 0} pages`;
  switch (doc.status) {
    case "uploading":
      return "The upload did not finish.";
    case "queued":
      return doc.waiting ? `Queued: ${doc.waiting.message}.` : "Queued for layout detection.";
    case "processing":
      if (doc.waiting) return `Paused at ${doc.pagesDone} of ${pages}: ${doc.waiting.message}.`;
      return doc.pageCount === null ? "Opening the PDF…" : `Detecting layout: ${doc.pagesDone} of ${pages} done.`;
    case "done": {
      const failed = doc.pagesFailed ? `, ${doc.pagesFailed} could not be processed` : "";
      return `Done: ${doc.pagesDone} of ${pages}${failed}${doc.model ? ` (${doc.model.name})` : ""}.`;
    }
    case "failed":
      return `Failed: ${doc.error?.message ?? "the document could not be processed."}`;
    case "cancelled":
      return "Cancelled.";
  }
}

/** One document of the home page's list, following it live until it ends: pages done of total, done, or why it failed. */
export function DocumentRow({ id, name, size, onGone }: { id: string; name?: string; size?: number; onGone: (id: string) => void }) {
  const { data: doc, error } = useDocumentSummary(id);
  const gone = error instanceof ApiError && error.status === 404;
  useEffect(() => {
    if (gone) onGone(id);
  }, [gone, id, onGone]);
  if (gone) return null;

  const filename = doc?.filename ?? name ?? "Document";
  const bad = doc?.status === "failed" || doc?.status === "cancelled";
  const finished = doc ? doc.pagesDone + doc.pagesFailed : 0;
  const tone = doc?.status === "done" ? "success" : bad ? "danger" : "accent";
  return (
    <li data-testid="upload-row" data-document-id={id} data-status={doc?.status} className="rounded-lg border border-line bg-white p-4">
      <div className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1">
        <span className="flex min-w-0 items-baseline gap-2">
          <span className="min-w-0 truncate font-medium" title={filename}>
            {filename}
          </span>
          {doc && <StatusBadge status={doc.status} />}
        </span>
        <span className="text-sm text-ink-muted tabular-nums">{formatBytes(doc?.sizeBytes ?? size ?? 0)}</span>
      </div>
      <div className="mt-3">
        <ProgressBar
          value={finished}
          max={doc?.pageCount ?? 0}
          label={`Pages of ${filename}`}
          valueText={doc?.pageCount != null ? `${finished} of ${doc.pageCount} pages` : "page count not known yet"}
          tone={tone}
        />
      </div>
      <div className="mt-2 flex flex-wrap items-center justify-between gap-2">
        <p
          role={doc?.status === "failed" ? "alert" : "status"}
          data-testid="upload-status"
          className={`text-sm ${doc?.status === "failed" ? "text-red-700" : "text-ink-muted"}`}
        >
          {doc ? statusText(doc) : error ? errorMessage(error) : "Loading…"}
        </p>
        {doc && doc.status !== "uploading" && (
          <Link
            href={`/documents/${id}`}
            aria-label={`Open ${filename}`}
            className="rounded-md bg-accent-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-accent-700"
          >
            Open
          </Link>
        )}
      </div>
    </li>
  );
}
