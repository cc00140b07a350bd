"use client";

import { useId, useState } from "react";
import type { DetectionDto } from "@/lib/api-types";
import { formatScore } from "@/components/format";
import { colorFor } from "./palette";

export type ShownDetection = DetectionDto & { key: number };

/**
 * The detections of one page drawn over its image. The viewBox is the image's pixel size and the SVG
 * stretches over the image exactly, so boxes stay on the content at any zoom or window size.
 */
export function DetectionOverlay({
  detections,
  width,
  height,
  pageNumber,
  selected = null,
  highlighted = null,
  onSelect,
}: {
  detections: ShownDetection[];
  width: number;
  height: number;
  pageNumber: number;
  /** The box whose text is shown (clicked or focused), and the one whose paragraph is under the pointer. */
  selected?: number | null;
  highlighted?: number | null;
  onSelect?: (key: number) => void;
}) {
  const [active, setActive] = useState<number | null>(null);
  const tooltipId = useId();
  const current = active === null ? undefined : detections.find((d) => d.key === active);

  return (
    <>
      <svg
        data-testid="overlay"
        role="group"
        aria-label={`Detected regions on page ${pageNumber}`}
        viewBox={`0 0 ${width} ${height}`}
        preserveAspectRatio="none"
        className="absolute inset-0 h-full w-full"
        onMouseLeave={() => setActive(null)}
      >
        {detections.map((d) => (
          <DetectionBox
            key={d.key}
            detection={d}
            width={width}
            height={height}
            active={d.key === active || d.key === highlighted}
            selected={d.key === selected}
            describedBy={d.key === active ? tooltipId : undefined}
            onActivate={() => setActive(d.key)}
            onDeactivate={() => setActive((a) => (a === d.key ? null : a))}
            onSelect={() => onSelect?.(d.key)}
          />
        ))}
      </svg>
      {current && <BoxTooltip id={tooltipId} detection={current} />}
    </>
  );
}

function DetectionBox({
  detection,
  width,
  height,
  active,
  selected,
  describedBy,
  onActivate,
  onDeactivate,
  onSelect,
}: {
  detection: ShownDetection;
  width: number;
  height: number;
  active: boolean;
  selected: boolean;
  describedBy: string | undefined;
  onActivate: () => void;
  onDeactivate: () => void;
  onSelect: () => void;
}) {
  const [x1, y1, x2, y2] = detection.box;
  const color = colorFor(detection.label);
  const score = formatScore(detection.score);
  const rect = { x: x1 * width, y: y1 * height, width: Math.max(0, (x2 - x1) * width), height: Math.max(0, (y2 - y1) * height) };
  const polygon = detection.polygon?.length ? detection.polygon.map(([x, y]) => `${x * width},${y * height}`).join(" ") : null;
  return (
    <g
      className="det-box"
      data-testid="box"
      data-label={detection.label}
      data-score={detection.score}
      data-active={active}
      data-selected={selected}
      tabIndex={0}
      role="button"
      aria-pressed={selected}
      aria-label={`${detection.label}, score ${score}${detection.order !== null ? `, reading order ${detection.order + 1}` : ""}`}
      aria-describedby={describedBy}
      onMouseEnter={onActivate}
      onFocus={() => (onActivate(), onSelect())}
      onClick={onSelect}
      onBlur={onDeactivate}
    >
      <title>{`${detection.label} ${score}`}</title>
      {polygon ? (
        <>
          <rect {...rect} fill="none" stroke={color} strokeWidth={1} strokeDasharray="4 3" strokeOpacity={0.7} vectorEffect="non-scaling-stroke" />
          <polygon className="det-shape" points={polygon} fill={color} fillOpacity={0.1} stroke={color} strokeWidth={2} vectorEffect="non-scaling-stroke" />
        </>
      ) : (
        <rect className="det-shape" {...rect} fill={color} fillOpacity={0.08} stroke={color} strokeWidth={2} vectorEffect="non-scaling-stroke" />
      )}
      <rect
        className="det-focus"
        {...rect}
        fill="none"
        stroke="#111827"
        strokeWidth={1.5}
        strokeDasharray="6 4"
        vectorEffect="non-scaling-stroke"
        pointerEvents="none"
      />
    </g>
  );
}

function BoxTooltip({ id, detection }: { id: string; detection: ShownDetection }) {
  const [x1, y1, x2, y2] = detection.box;
  const above = y1 > 0.05;
  const alignRight = x1 > 0.7;
  return (
    <div
      id={id}
      role="tooltip"
      data-testid="box-tooltip"
      className="pointer-events-none absolute z-10 whitespace-nowrap rounded bg-neutral-900 px-2 py-1 text-xs font-medium text-white shadow-lg"
      style={{
        ...(alignRight ? { right: `${(1 - x2) * 100}%` } : { left: `${x1 * 100}%` }),
        top: `${(above ? y1 : y2) * 100}%`,
        transform: above ? "translateY(calc(-100% - 4px))" : "translateY(4px)",
      }}
    >
      <span
        aria-hidden="true"
        className="mr-1.5 inline-block h-2 w-2 rounded-sm align-middle"
        style={{ backgroundColor: colorFor(detection.label) }}
      />
      {detection.label} · {formatScore(detection.score)}
    </div>
  );
}

/**
 * A second run's boxes over the same page, dashed and without fill so the first run's solid boxes stay
 * readable beneath; not interactive (the first run's boxes keep the pointer and the keyboard).
 */
export function ComparisonOverlay({ detections, width, height, run }: { detections: DetectionDto[]; width: number; height: number; run: number }) {
  return (
    <svg
      data-testid="overlay-compare"
      data-run={run}
      role="img"
      aria-label={`Run ${run}: ${detections.length} regions, dashed`}
      viewBox={`0 0 ${width} ${height}`}
      preserveAspectRatio="none"
      className="pointer-events-none absolute inset-0 h-full w-full"
    >
      {detections.map((d, i) => {
        const [x1, y1, x2, y2] = d.box;
        return (
          <rect
            key={i}
            data-testid="compare-box"
            data-label={d.label}
            x={x1 * width}
            y={y1 * height}
            width={Math.max(0, (x2 - x1) * width)}
            height={Math.max(0, (y2 - y1) * height)}
            fill="none"
            stroke={colorFor(d.label)}
            strokeWidth={2.5}
            strokeDasharray="9 5"
            vectorEffect="non-scaling-stroke"
          />
        );
      })}
    </svg>
  );
}
