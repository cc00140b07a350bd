"use client";

import { useId, type ReactNode } from "react";
import { formatScore } from "@/components/format";
import { ClassLegend } from "./class-legend";
import { DEFAULT_ZOOM, ZOOM_LEVELS } from "./view-settings";

const button =
  "inline-flex h-8 min-w-8 items-center justify-center rounded-md border border-line bg-white px-2 text-sm hover:bg-neutral-50 disabled:cursor-not-allowed disabled:opacity-40";

/** Score threshold, zoom and the class legend, kept in view while scrolling through pages. */
export function ViewerToolbar({
  threshold,
  onThreshold,
  zoom,
  onZoom,
  legend,
  find,
}: {
  threshold: number;
  onThreshold: (value: number) => void;
  zoom: number;
  onZoom: (value: number) => void;
  legend: Parameters<typeof ClassLegend>[0];
  find?: ReactNode;
}) {
  const sliderId = useId();
  const index = ZOOM_LEVELS.findIndex((z) => z === zoom);
  const step = (delta: number) => {
    const next = ZOOM_LEVELS[Math.min(ZOOM_LEVELS.length - 1, Math.max(0, index + delta))];
    if (next !== undefined) onZoom(next);
  };
  return (
    <div
      role="group"
      aria-label="Display options"
      data-testid="viewer-toolbar"
      className="z-20 sm:sticky sm:top-0 -mx-4 space-y-3 border-b border-line bg-surface/95 px-4 py-3 backdrop-blur"
    >
      <div className="flex flex-wrap items-center gap-x-6 gap-y-3">
        <div className="flex items-center gap-3">
          <label htmlFor={sliderId} className="text-sm font-medium">
            Minimum score
          </label>
          <input
            id={sliderId}
            data-testid="score-threshold"
            type="range"
            min={0}
            max={1}
            step={0.01}
            value={threshold}
            onChange={(e) => onThreshold(Number(e.target.value))}
            aria-valuetext={formatScore(threshold)}
            className="w-40 accent-accent-600"
          />
          <output htmlFor={sliderId} className="w-10 text-sm tabular-nums">
            {formatScore(threshold)}
          </output>
        </div>
        <div role="group" aria-label="Zoom" className="flex items-center gap-1">
          <button type="button" className={button} aria-label="Zoom out" onClick={() => step(-1)} disabled={index <= 0}>
            −
          </button>
          <span className="w-12 text-center text-sm tabular-nums" aria-live="polite" data-testid="zoom-level">
            {Math.round(zoom * 100)}%
          </span>
          <button
            type="button"
            className={button}
            aria-label="Zoom in"
            onClick={() => step(1)}
            disabled={index >= ZOOM_LEVELS.length - 1}
          >
            +
          </button>
          <button type="button" className={`${button} ml-1`} onClick={() => onZoom(DEFAULT_ZOOM)} disabled={zoom === DEFAULT_ZOOM}>
            Reset zoom
          </button>
        </div>
      </div>
      {find}
      <ClassLegend {...legend} />
    </div>
  );
}
