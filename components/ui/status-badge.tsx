import type { DocumentStatusDto } from "@/lib/api-types";

type AnyStatus = DocumentStatusDto | "pending";

const STYLES: Record<AnyStatus, string> = {
  uploading: "bg-sky-50 text-sky-800 ring-sky-200",
  queued: "bg-neutral-100 text-neutral-700 ring-neutral-300",
  pending: "bg-neutral-100 text-neutral-700 ring-neutral-300",
  processing: "bg-accent-50 text-accent-700 ring-accent-100",
  done: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  failed: "bg-red-50 text-red-800 ring-red-200",
  cancelled: "bg-amber-50 text-amber-900 ring-amber-200",
};

export const STATUS_LABELS: Record<AnyStatus, string> = {
  uploading: "Uploading",
  queued: "Queued",
  pending: "Pending",
  processing: "Processing",
  done: "Done",
  failed: "Failed",
  cancelled: "Cancelled",
};

export function StatusBadge({ status }: { status: AnyStatus }) {
  return (
    <span
      data-testid="status-badge"
      data-status={status}
      className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${STYLES[status]}`}
    >
      {STATUS_LABELS[status]}
    </span>
  );
}
