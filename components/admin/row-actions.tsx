"use client";

import type { DocumentDto } from "@/lib/api-types";

export type RowAction = "retry" | "cancel" | "delete";

const RETRYABLE = new Set<DocumentDto["status"]>(["failed", "cancelled"]);
const CANCELLABLE = new Set<DocumentDto["status"]>(["uploading", "queued", "processing"]);

const base = "rounded px-2 py-1 text-xs font-medium disabled:cursor-not-allowed disabled:opacity-40";

/** Retry (failed or cancelled), Cancel (still running), Delete (always, after confirmation). */
export function RowActions({
  document,
  busy,
  onAction,
}: {
  document: DocumentDto;
  busy: boolean;
  onAction: (action: RowAction, document: DocumentDto) => void;
}) {
  return (
    <div className="flex flex-wrap gap-1">
      {RETRYABLE.has(document.status) && (
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
