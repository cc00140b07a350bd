"use client";

import type { PageDto } from "@/lib/api-types";
import type { ShownDetection } from "./detection-overlay";

const sourceWords = (d: ShownDetection) =>
  d.textSource === "ocr" ? `OCR${d.ocrConfidence !== null ? `, confidence ${Math.round(d.ocrConfidence * 100)} %` : ""}` : d.textSource === "pdf" ? "PDF text layer" : "";

/** The text of the box that was clicked or focused, selectable, with a copy button. */
export function SelectedRegionText({ detection, onClose }: { detection: ShownDetection; onClose: () => void }) {
  return (
    <div data-testid="region-text" className="mt-2 rounded-md border border-line bg-white p-3 text-sm shadow-sm" aria-live="polite">
      <div className="mb-1 flex items-center gap-2 text-xs text-ink-muted">
        <span className="font-medium text-ink">{detection.label}</span>
        {detection.order !== null && <span>#{detection.order + 1} in reading order</span>}
        {sourceWords(detection) && <span>· {sourceWords(detection)}</span>}
        <span className="ml-auto flex gap-2">
          {detection.text && (
            <button type="button" className="underline" onClick={() => void navigator.clipboard?.writeText(detection.text ?? "")}>
              Copy
            </button>
          )}
          <button type="button" className="underline" onClick={onClose}>
            Close
          </button>
        </span>
      </div>
      {detection.text ? (
        <p data-testid="region-text-body" className="select-text whitespace-pre-wrap">
          {detection.text}
        </p>
      ) : (
        <p className="text-ink-muted">No text was found in this region.</p>
      )}
    </div>
  );
}

/** The page's text in reading order; the paragraph under the pointer lights up its box. */
export function PageTextPanel({
  page,
  detections,
  onHover,
}: {
  page: PageDto;
  detections: ShownDetection[];
  onHover: (key: number | null) => void;
}) {
  const ordered = [...detections].filter((d) => d.text).sort((a, b) => (a.order ?? Infinity) - (b.order ?? Infinity));
  if (!ordered.length && !page.unassignedText) return null;
  return (
    <details className="mt-2 rounded-md border border-line bg-white text-sm" data-testid="page-text">
      <summary className="cursor-pointer px-3 py-1.5 font-medium">Text of page {page.pageNumber}, in reading order</summary>
      <div className="space-y-2 px-3 pb-3" onMouseLeave={() => onHover(null)}>
        {ordered.map((d) => (
          <p
            key={d.key}
            data-testid="page-text-region"
            data-label={d.label}
            className="whitespace-pre-wrap rounded px-1 hover:bg-amber-50"
            onMouseEnter={() => onHover(d.key)}
          >
            {d.text}
          </p>
        ))}
        {page.unassignedText && <p className="whitespace-pre-wrap text-ink-muted">{page.unassignedText}</p>}
      </div>
    </details>
  );
}
