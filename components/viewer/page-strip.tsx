import type { PageDto } from "@/lib/api-types";
import { STATUS_LABELS } from "@/components/ui/status-badge";

const CHIP: Record<PageDto["status"], string> = {
  pending: "bg-white text-ink-muted border-line",
  processing: "bg-accent-50 text-accent-700 border-accent-500 animate-pulse",
  done: "bg-emerald-50 text-emerald-800 border-emerald-300",
  failed: "bg-red-50 text-red-800 border-red-300",
  cancelled: "bg-amber-50 text-amber-900 border-amber-300",
};

/** Every page's status at a glance; each chip jumps to its page. */
export function PageStrip({ pages, done }: { pages: PageDto[]; done: number }) {
  if (!pages.length) return null;
  return (
    <details open={pages.length <= 60} className="rounded-lg border border-line bg-white">
      <summary className="cursor-pointer px-4 py-2 text-sm font-medium">
        Pages <span className="font-normal text-ink-muted">({done} of {pages.length} done)</span>
      </summary>
      <nav aria-label="Pages" className="border-t border-line px-4 py-3">
        <ol className="flex flex-wrap gap-1.5" data-testid="page-strip">
          {pages.map((p) => (
            <li key={p.pageNumber}>
              <a
                href={`#page-${p.pageNumber}`}
                aria-label={`Page ${p.pageNumber}: ${STATUS_LABELS[p.status]}`}
                title={`Page ${p.pageNumber}: ${STATUS_LABELS[p.status]}${p.error ? ` — ${p.error.message}` : ""}`}
                data-status={p.status}
                className={`flex h-8 min-w-8 items-center justify-center rounded border px-1 text-xs tabular-nums ${CHIP[p.status]}`}
              >
                {p.pageNumber}
              </a>
            </li>
          ))}
        </ol>
      </nav>
    </details>
  );
}
