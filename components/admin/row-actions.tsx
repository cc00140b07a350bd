"use client";

import type { DocumentDto } from "@/lib/api-types";
import { retryVerdict } from "@/lib/retry-rule";
import { RerunControl } from "./rerun-control";

export type RowAction = "retry" | "cancel" | "delete";

const CANCELLABLE = new Set<DocumentDto["status"]>(["uploading", "queued", "processing"]);

const base = "rounded px-2 py-1 text-xs font-medium disabled:cursor-not-allowed disabled:opacity-40";

/**
 * Retry (cancelled, or failed for a reason that can change), Cancel (still running), Delete (always, after
 * confirmation). A failed document without Retry says why.
 */
export function RowActions({
  document,
  busy,
  onAction,
}: {
  document: DocumentDto;
  busy: boolean;
  onAction: (action: RowAction, document: DocumentDto) => void;
}) {
  const verdict = retryVerdict({ status: document.status, errorCode: document.error?.code ?? null });
  return (
    <div className="flex flex-wrap items-center gap-1">
      {document.status === "done" && <RerunControl document={document} />}
      {document.status === "failed" && !verdict.retryable && (
        <span data-testid="no-retry" className="max-w-56 text-xs text-ink-muted">
          No retry: {verdict.why}
        </span>
      )}
      {verdict.retryable && (
        <button
          type="button"
          disabled={busy}
          aria-label={`Retry ${document.filename}`}
          onClick={() => onAction("retry", document)}
          className={`${base} border border-accent-500 text-accent-700 hover:bg-accent-50`}
        >
          Retry
        </button>
      )}
      {CANCELLABLE.has(document.status) && (
        <button
          type="button"
          disabled={busy}
          aria-label={`Cancel ${document.filename}`}
          onClick={() => onAction("cancel", document)}
          className={`${base} border border-neutral-300 text-ink hover:bg-neutral-100`}
        >
          Cancel
        </button>
      )}
      <button
        type="button"
        disabled={busy}
        aria-label={`Delete ${document.filename}`}
        onClick={() => {
          if (window.confirm(`Delete "${document.filename}" and all its results? This cannot be undone.`)) onAction("delete", document);
        }}
        className={`${base} border border-red-300 text-red-700 hover:bg-red-50`}
      >
        Delete
      </button>
    </div>
  );
}
