import type { DocumentDto } from "@/lib/api-types";
import { formatDuration } from "@/components/format";
import { ProgressBar } from "@/components/ui/progress-bar";

export type PageTally = { done: number; failed: number; total: number | null };

/** Elapsed time and, from the average time per finished page so far, an estimate of the time left. */
export function timing(document: DocumentDto, tally: PageTally, now: number) {
  const start = Date.parse(document.startedAt ?? document.createdAt);
  const end = document.finishedAt ? Date.parse(document.finishedAt) : now;
  const elapsed = Math.max(0, end - start);
  const finished = tally.done + tally.failed;
  const running = document.status === "processing";
  const perPage = document.startedAt && finished > 0 ? elapsed / finished : null;
  const left = running && perPage !== null && tally.total !== null ? Math.max(0, tally.total - finished) * perPage : null;
  return { elapsed, perPage, left };
}

/** Overall progress of a document: pages done of total, elapsed time and the estimate. */
export function ProgressSummary({ document, tally, now }: { document: DocumentDto; tally: PageTally; now: number }) {
  const { elapsed, perPage, left } = timing(document, tally, now);
  const total = tally.total;
  const finished = tally.done + tally.failed;
  const tone = document.status === "failed" ? "danger" : document.status === "done" ? "success" : document.status === "cancelled" ? "muted" : "accent";
  const counted = total !== null ? `${tally.done} of ${total} pages done` : "Counting pages…";
  return (
    <div className="space-y-2" data-testid="document-progress">
      <ProgressBar
        value={finished}
        max={total ?? 0}
        label="Pages processed"
        valueText={total !== null ? `${finished} of ${total} pages` : "page count not known yet"}
        tone={tone}
        testId="document-progressbar"
      />
      <dl className="flex flex-wrap gap-x-6 gap-y-1 text-sm">
        <div className="flex gap-1.5">
          <dt className="sr-only">Pages</dt>
          <dd data-testid="pages-done">
            {counted}
            {tally.failed > 0 && <span className="text-red-700"> · {tally.failed} failed</span>}
          </dd>
        </div>
        {(document.startedAt || document.status === "queued") && (
          <div className="flex gap-1.5">
            <dt className="text-ink-muted">{document.startedAt ? "Elapsed" : "Waiting"}</dt>
            <dd className="tabular-nums" data-testid="elapsed">
              {formatDuration(document.startedAt ? elapsed : Math.max(0, now - Date.parse(document.createdAt)))}
            </dd>
          </div>
        )}
        {perPage !== null && (
          <div className="flex gap-1.5">
            <dt className="text-ink-muted">Average</dt>
            <dd className="tabular-nums">{(perPage / 1000).toFixed(1)} s per page</dd>
          </div>
        )}
        {left !== null && (
          <div className="flex gap-1.5">
            <dt className="text-ink-muted">Time left</dt>
            <dd className="tabular-nums" data-testid="eta">
              about {formatDuration(left)}
            </dd>
          </div>
        )}
      </dl>
    </div>
  );
}
