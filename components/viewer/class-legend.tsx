"use client";

import { colorFor } from "./palette";

/** One toggle per class with its colour and count; a pressed toggle means the class is shown. */
export function ClassLegend({
  labels,
  counts,
  hidden,
  onToggle,
  caption,
}: {
  labels: string[];
  counts: Map<string, number>;
  hidden: ReadonlySet<string>;
  onToggle: (label: string) => void;
  caption: string;
}) {
  return (
    <div role="group" aria-label="Classes" data-testid="legend" className="flex flex-wrap items-center gap-2">
      {labels.map((label) => {
        const visible = !hidden.has(label);
        const count = counts.get(label) ?? 0;
        return (
          <button
            key={label}
            type="button"
            aria-pressed={visible}
            data-testid="legend-toggle"
            data-label={label}
            data-count={count}
            title={visible ? `Hide ${label} boxes` : `Show ${label} boxes`}
            onClick={() => onToggle(label)}
            className={`inline-flex items-center gap-2 rounded-full border px-3 py-1 text-sm transition-colors ${
              visible ? "border-line bg-white text-ink hover:bg-neutral-50" : "border-dashed border-neutral-300 bg-neutral-100 text-ink-muted line-through"
            }`}
          >
            <span
              aria-hidden="true"
              className="h-3 w-3 rounded-sm border"
              style={{ backgroundColor: visible ? colorFor(label) : "transparent", borderColor: colorFor(label) }}
            />
            <span>{label}</span>
            <span className="tabular-nums text-ink-muted">{count}</span>
          </button>
        );
      })}
      <span className="text-xs text-ink-muted">{caption}</span>
    </div>
  );
}
