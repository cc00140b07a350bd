import Link from "next/link";
import { ProgressBar } from "@/components/ui/progress-bar";
import { formatBytes } from "@/components/format";
import { DocumentRow } from "./document-row";
import type { UploadItem } from "./use-uploads";

function statusText(item: UploadItem): string {
  switch (item.phase) {
    case "rejected":
      return item.error ?? "This file cannot be uploaded.";
    case "starting":
      return "Preparing upload…";
    case "uploading":
      return "Uploading…";
    case "verifying":
      return "Uploaded. Checking the file…";
    case "queued":
      return "Queued for layout detection.";
    case "failed":
      return item.error ?? "The upload failed. Please try again.";
  }
}

/**
 * One file of the upload list: name, size, bytes sent and what is happening; once queued, the row follows
 * its document (pages done, done, failed) with the document link.
 */
export function UploadRow({ item, onGone }: { item: UploadItem; onGone: (id: string) => void }) {
  if (item.phase === "queued" && item.document) return <DocumentRow id={item.document.id} name={item.name} size={item.size} onGone={onGone} />;
  // aria-valuenow is the percentage of bytes sent; aria-valuetext gives the bytes themselves.
  const percent = item.size ? Math.min(100, Math.round((item.loaded / item.size) * 100)) : 0;
  const bad = item.phase === "failed" || item.phase === "rejected";
  const tone = bad ? "danger" : item.phase === "queued" ? "success" : "accent";
  const id = item.document?.id;
  return (
    <li
      data-testid="upload-row"
      data-phase={item.phase}
      data-document-id={id}
      className="rounded-lg border border-line bg-white p-4"
    >
      <div className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1">
        <span className="min-w-0 truncate font-medium" title={item.name}>
          {item.name}
        </span>
        <span className="text-sm text-ink-muted tabular-nums">{formatBytes(item.size)}</span>
      </div>
      {item.phase !== "rejected" && (
        <div className="mt-3 flex items-center gap-3">
          <ProgressBar
            value={percent}
            max={100}
            label={`Upload of ${item.name}`}
            valueText={`${percent}% (${formatBytes(item.loaded)} of ${formatBytes(item.size)})`}
            tone={tone}
          />
          <span className="w-12 shrink-0 text-right text-sm text-ink-muted tabular-nums" aria-hidden="true">
            {percent}%
          </span>
        </div>
      )}
      <div className="mt-2 flex flex-wrap items-center justify-between gap-2">
        <p
          role={bad ? "alert" : "status"}
          data-testid="upload-status"
          className={`text-sm ${bad ? "text-red-700" : "text-ink-muted"}`}
        >
          {statusText(item)}
        </p>
        {item.phase === "queued" && id && (
          <Link
            href={`/documents/${id}`}
            aria-label={`Open ${item.name}`}
            className="rounded-md bg-accent-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-accent-700"
          >
            Open
          </Link>
        )}
      </div>
    </li>
  );
}
