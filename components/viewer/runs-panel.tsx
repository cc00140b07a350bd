"use client";

import type { RunAgreementDto, RunDto } from "@/lib/api-types";
import { exportUrl } from "@/components/api/endpoints";
import type { RunView } from "./run-view";

const pct = (f1: number) => f1.toFixed(2);

function StrokeSample({ dashed }: { dashed: boolean }) {
  return (
    <svg aria-hidden="true" width="28" height="10" className="inline-block align-middle">
      <line x1="1" y1="5" x2="27" y2="5" stroke="#374151" strokeWidth="2.5" strokeDasharray={dashed ? "6 3" : undefined} />
    </svg>
  );
}

const runLabel = (run: RunDto) => `Run ${run.number}: ${run.model.name}${run.model.kind ? ` (${run.model.kind})` : ""}`;

/**
 * The document's runs: which two are shown (solid and dashed), a toggle for each, what model made each,
 * their agreement over the document and the pages where they disagree most.
 */
export function RunsPanel({
  documentId,
  runs,
  view,
  onView,
  agreement,
}: {
  documentId: string;
  runs: RunDto[];
  view: RunView;
  onView: (view: RunView) => void;
  agreement: RunAgreementDto | undefined;
}) {
  const a = runs.find((r) => r.number === view.a);
  const b = runs.find((r) => r.number === view.b);
  const select = (which: "a" | "b", value: number) => onView({ ...view, [which]: value });
  return (
    <section aria-labelledby="runs-title" data-testid="runs-panel" className="space-y-3 rounded-md border border-line bg-white p-4 text-sm shadow-sm">
      <h2 id="runs-title" className="font-medium">
        Runs
      </h2>
      <div className="grid gap-2 sm:grid-cols-2">
        {(["a", "b"] as const).map((which) => {
          const current = which === "a" ? a : b;
          const shown = which === "a" ? view.showA : view.showB;
          return (
            <div key={which} className="space-y-1" data-testid={`run-legend-${which}`}>
              <div className="flex items-center gap-2">
                <StrokeSample dashed={which === "b"} />
                <label className="sr-only" htmlFor={`run-${which}`}>
                  {which === "a" ? "Run drawn solid" : "Run drawn dashed"}
                </label>
                <select
                  id={`run-${which}`}
                  value={current?.number ?? ""}
                  onChange={(e) => select(which, Number(e.target.value))}
                  className="min-w-0 flex-1 rounded border border-line px-1 py-0.5"
                >
                  {runs.map((r) => (
                    <option key={r.number} value={r.number}>
                      {runLabel(r)} · {r.status}
                    </option>
                  ))}
                </select>
              </div>
              {current && (
                <label className="flex items-center gap-2">
                  <input
                    type="checkbox"
                    checked={shown}
                    onChange={(e) => onView(which === "a" ? { ...view, showA: e.target.checked } : { ...view, showB: e.target.checked })}
                  />
                  Show run {current.number} ({which === "a" ? "solid" : "dashed"}) · {current.waiting ? `${current.waiting.message} · ` : ""}{current.pagesDone} of {current.pageCount} pages
                  <a className="ml-auto text-accent-700 underline" href={exportUrl(documentId, "json", current.number)}>
                    JSON
                  </a>
                </label>
              )}
            </div>
          );
        })}
      </div>
      {a && b && a.number !== b.number && (
        <div data-testid="run-agreement" className="space-y-1">
          {agreement ? (
            <>
              <p>
                Agreement of run {b.number} with run {a.number}: matched-box F1 at IoU 0.5{" "}
                <strong data-testid="document-f1">{pct(agreement.f1At50)}</strong> over {agreement.pages.length} pages ({agreement.aBoxes} and{" "}
                {agreement.bBoxes} boxes; classes matched by label).
              </p>
              {agreement.worstPages.length ? (
                <p>
                  Most disagreement:{" "}
                  {agreement.worstPages.map((p, i) => (
                    <span key={p.pageNumber}>
                      {i > 0 && ", "}
                      <a href={`#page-${p.pageNumber}`} className="text-accent-700 underline" data-testid="worst-page">
                        page {p.pageNumber} (F1 {pct(p.f1At50)})
                      </a>
                    </span>
                  ))}
                </p>
              ) : (
                <p>The runs agree on every page.</p>
              )}
            </>
          ) : (
            <p className="text-ink-muted">Computing agreement…</p>
          )}
        </div>
      )}
    </section>
  );
}
