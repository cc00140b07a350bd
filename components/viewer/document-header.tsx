import type { DocumentDto } from "@/lib/api-types";
import { exportUrl } from "@/components/api/endpoints";
import { formatBytes } from "@/components/format";
import { ModelNotice } from "@/components/ui/model-notice";
import { StatusBadge } from "@/components/ui/status-badge";
import { ProgressSummary, type PageTally } from "./progress-summary";
import type { StreamState } from "./use-document-stream";

const DOWNLOADS = [
  ["json", "JSON"],
  ["coco", "COCO"],
  ["markdown", "Markdown"],
  ["text", "text"],
] as const;

const STATUS_TEXT: Record<DocumentDto["status"], string> = {
  uploading: "Waiting for the upload to finish.",
  queued: "Queued: processing starts as soon as a worker is free.",
  processing: "Detecting layout; pages appear below as they finish.",
  done: "All pages processed.",
  failed: "Processing failed.",
  cancelled: "Processing was cancelled.",
};

const link =
  "inline-flex items-center gap-1.5 rounded-md border border-line bg-white px-3 py-1.5 text-sm font-medium hover:bg-neutral-50";

/** Filename, status in words, overall progress, the model and the downloads. */
export function DocumentHeader({
  document,
  tally,
  now,
  stream,
}: {
  document: DocumentDto;
  tally: PageTally;
  now: number;
  stream: StreamState;
}) {
  const canExport = tally.done > 0;
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0 space-y-1">
          <h1 className="break-words text-2xl font-semibold tracking-tight" data-testid="document-title">
            {document.filename}
          </h1>
          <p className="flex flex-wrap items-center gap-2 text-sm text-ink-muted">
            <StatusBadge status={document.status} />
            <span data-testid="document-status" data-status={document.status} role="status">
              {document.waiting ? `${document.status === "queued" ? "Queued" : "Paused"}: ${document.waiting.message}.` : STATUS_TEXT[document.status]}
            </span>
            <span aria-hidden="true">·</span>
            <span>{formatBytes(document.sizeBytes)}</span>
          </p>
        </div>
        <div className="flex flex-wrap gap-2" role="group" aria-label="Downloads">
          {canExport ? (
            DOWNLOADS.map(([format, label]) => (
              <a key={format} className={link} href={exportUrl(document.id, format)} download data-testid={`download-${format}`}>
                Download {label}
              </a>
            ))
          ) : (
            <p className="text-sm text-ink-muted">Downloads are available once a page is done.</p>
          )}
        </div>
      </div>

      {document.error && (
        <div role="alert" data-testid="document-error" className="rounded-md border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-800">
          <p className="font-medium">{document.status === "failed" ? "This document failed" : "Problem"}</p>
          <p>{document.error.message}</p>
        </div>
      )}

      <ProgressSummary document={document} tally={tally} now={now} />
      <ModelNotice model={document.model} />

      {stream === "reconnecting" && (
        <p role="status" className="text-sm text-amber-800">
          Live updates interrupted, reconnecting…
        </p>
      )}
      {stream === "stopped" && (
        <p role="status" className="text-sm text-amber-800">
          Live updates stopped; checking for progress every few seconds instead.
        </p>
      )}
    </div>
  );
}
