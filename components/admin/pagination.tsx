const button =
  "rounded-md border border-line bg-white px-3 py-1.5 text-sm hover:bg-neutral-50 disabled:cursor-not-allowed disabled:opacity-40";

/** Previous / next and "Page x of y". */
export function Pagination({ page, pageCount, onPage }: { page: number; pageCount: number; onPage: (page: number) => void }) {
  return (
    <nav aria-label="Pagination" className="flex items-center gap-3">
      <button type="button" className={button} onClick={() => onPage(page - 1)} disabled={page <= 1}>
        Previous
      </button>
      <span className="text-sm tabular-nums" data-testid="page-indicator" aria-live="polite">
        Page {page} of {pageCount}
      </span>
      <button type="button" className={button} onClick={() => onPage(page + 1)} disabled={page >= pageCount}>
        Next
      </button>
    </nav>
  );
}
