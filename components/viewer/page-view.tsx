"use client";

import { useQuery } from "@tanstack/react-query";
import { memo, useMemo, useState } from "react";
import type { PageAgreementDto, PageDto } from "@/lib/api-types";
import { fetchPage, fetchRunPage, queryKeys } from "@/components/api/endpoints";
import { errorMessage } from "@/components/api/fetch-json";
import { StatusBadge } from "@/components/ui/status-badge";
import { ComparisonOverlay, DetectionOverlay, type ShownDetection } from "./detection-overlay";
import { PageTextPanel, SelectedRegionText } from "./page-text";
import { useNearViewport } from "./use-near-viewport";
import { SINGLE_RUN, type RunView } from "./run-view";
import type { ViewSettings } from "./view-settings";

/** A page's detections by one run: run 1's under the key the event stream updates, a later run's under its own. */
function pageQuery(documentId: string, pageNumber: number, run: number) {
  return {
    queryKey: (run === 1 ? queryKeys.page(documentId, pageNumber) : queryKeys.runPage(documentId, run, pageNumber)) as readonly unknown[],
    queryFn: ({ signal }: { signal: AbortSignal }) => (run === 1 ? fetchPage(documentId, pageNumber, signal) : fetchRunPage(documentId, run, pageNumber, signal)),
  };
}

/** US Letter, for pages whose size is not known yet. */
const DEFAULT_ASPECT = { width: 612, height: 792 };

function pageSize(page: PageDto) {
  if (page.imageWidth && page.imageHeight) return { width: page.imageWidth, height: page.imageHeight };
  if (page.widthPt && page.heightPt) return { width: page.widthPt, height: page.heightPt };
  return DEFAULT_ASPECT;
}

const WAITING: Record<PageDto["status"], string> = {
  pending: "Waiting to be processed…",
  processing: "Detecting layout…",
  done: "",
  failed: "This page could not be processed.",
  cancelled: "Processing was cancelled before this page.",
};

/**
 * One page of the viewer. Its box keeps the page's proportions before anything loads; the image and the
 * detections are fetched only while the page is near the viewport.
 */
export const PageView = memo(function PageView({
  documentId,
  filename,
  page,
  settings,
  matches,
  runs = SINGLE_RUN,
  agreement,
}: {
  documentId: string;
  filename: string;
  page: PageDto;
  settings: ViewSettings;
  /** The run drawn solid and the one drawn dashed over it (default: run 1 alone). */
  runs?: RunView;
  /** How far the two runs agree on this page. */
  agreement?: PageAgreementDto;
  /** Find-in-document matches on this page; `current` is the one next/previous went to. */
  matches?: { box: [number, number, number, number]; current: boolean }[];
}) {
  const [selected, setSelected] = useState<number | null>(null);
  const [hovered, setHovered] = useState<number | null>(null);
  const [ref, near] = useNearViewport<HTMLElement>();
  const size = pageSize(page);
  const done = page.status === "done";
  const detail = useQuery({ ...pageQuery(documentId, page.pageNumber, runs.a), enabled: near && done, staleTime: Infinity });
  const detections = detail.data?.status === "done" ? detail.data.detections : undefined;
  const showCompare = runs.b !== null && runs.b !== runs.a && runs.showB;
  const compared = useQuery({
    ...pageQuery(documentId, page.pageNumber, runs.b ?? 1),
    enabled: near && done && showCompare,
    staleTime: Infinity,
  });
  const comparedDetections = compared.data?.status === "done" ? compared.data.detections : undefined;
  const comparedShown = useMemo(
    () => (comparedDetections ?? []).filter((d) => d.score >= settings.threshold && !settings.hidden.has(d.label)),
    [comparedDetections, settings.threshold, settings.hidden],
  );

  const shown = useMemo<ShownDetection[]>(
    () =>
      (detections ?? [])
        .map((d, key) => ({ ...d, key }))
        .filter((d) => d.score >= settings.threshold && !settings.hidden.has(d.label)),
    [detections, settings.threshold, settings.hidden],
  );

  const total = detections?.length ?? page.detectionCount;
  const selectedDetection = selected === null ? undefined : shown.find((d) => d.key === selected);
  const headingId = `page-${page.pageNumber}-title`;

  return (
    <section
      ref={ref}
      id={`page-${page.pageNumber}`}
      data-testid={`page-${page.pageNumber}`}
      data-status={page.status}
      data-loaded={detections ? "true" : "false"}
      aria-labelledby={headingId}
      className="mx-auto scroll-mt-40"
      style={{ width: `calc(${settings.zoom} * min(100%, 56rem))` }}
    >
      <header className="mb-2 flex flex-wrap items-center gap-x-3 gap-y-1 text-sm">
        <h3 id={headingId} className="font-medium">
          Page {page.pageNumber}
        </h3>
        <StatusBadge status={page.status} />
        {done && total !== null && total !== undefined && (
          <span className="text-ink-muted" data-testid="page-box-count">
            {detections ? `${shown.length} of ${total} boxes shown` : `${total} boxes`}
          </span>
        )}
        {done && page.renderMs !== null && (detail.data ?? page).inferMs !== null && (
          <span className="text-ink-muted">
            render {page.renderMs} ms · model {(detail.data ?? page).inferMs} ms{runs.b !== null ? ` (run ${runs.a})` : ""}
          </span>
        )}
        {agreement && runs.b !== null && (
          <span
            data-testid="page-agreement"
            title={`Matched-box F1 at IoU 0.5 of run ${runs.b} (${agreement.bBoxes} boxes) with run ${runs.a} (${agreement.aBoxes} boxes)`}
            className={`rounded px-1.5 py-0.5 text-xs font-medium ${agreement.f1At50 >= 0.8 ? "bg-emerald-50 text-emerald-800" : agreement.f1At50 >= 0.5 ? "bg-amber-50 text-amber-900" : "bg-red-50 text-red-800"}`}
          >
            F1 {agreement.f1At50.toFixed(2)} · run {runs.a} vs {runs.b}
          </span>
        )}
      </header>

      {page.note && (
        <p role="note" className="mb-2 rounded border border-amber-300 bg-amber-50 px-3 py-1.5 text-sm text-amber-900">
          {page.note}
        </p>
      )}

      <div
        className="relative w-full overflow-hidden rounded-md border border-line bg-white shadow-sm"
        style={{ aspectRatio: `${size.width} / ${size.height}` }}
      >
        {done && page.imageUrl ? (
          near ? (
            <PageImage
              src={page.imageUrl}
              alt={`Page ${page.pageNumber} of ${filename}`}
              width={size.width}
              height={size.height}
            />
          ) : null
        ) : (
          <PagePlaceholder page={page} />
        )}
        {done && near && showCompare && comparedDetections && (
          <ComparisonOverlay detections={comparedShown} width={size.width} height={size.height} run={runs.b!} />
        )}
        {done && near && detections && runs.showA && (
          <DetectionOverlay
            detections={shown}
            width={size.width}
            height={size.height}
            pageNumber={page.pageNumber}
            selected={selected}
            highlighted={hovered}
            onSelect={setSelected}
          />
        )}
        {matches?.map((m, i) => (
          <div
            key={i}
            data-testid="find-match"
            data-current={m.current}
            aria-hidden="true"
            className={`pointer-events-none absolute rounded-sm ${m.current ? "bg-amber-400/40 ring-2 ring-amber-600" : "bg-amber-300/30"}`}
            style={{ left: `${m.box[0] * 100}%`, top: `${m.box[1] * 100}%`, width: `${(m.box[2] - m.box[0]) * 100}%`, height: `${(m.box[3] - m.box[1]) * 100}%` }}
          />
        ))}
        {done && near && detail.isError && (
          <p role="alert" className="absolute inset-x-0 bottom-0 bg-red-50/95 px-3 py-2 text-sm text-red-800">
            Could not load the detections of this page: {errorMessage(detail.error)}
          </p>
        )}
        {done && near && detail.isPending && (
          <p className="absolute right-2 top-2 rounded bg-white/90 px-2 py-1 text-xs text-ink-muted shadow">Loading boxes…</p>
        )}
      </div>
      {selectedDetection && <SelectedRegionText detection={selectedDetection} onClose={() => setSelected(null)} />}
      {done && detections && runs.showA && <PageTextPanel page={detail.data ?? page} detections={shown} onHover={setHovered} />}
    </section>
  );
});

function PageImage({ src, alt, width, height }: { src: string; alt: string; width: number; height: number }) {
  const [failed, setFailed] = useState(false);
  if (failed) {
    return (
      <div className="absolute inset-0 flex items-center justify-center p-4 text-center text-sm text-ink-muted">
        The page image could not be loaded.
      </div>
    );
  }
  return (
    // eslint-disable-next-line @next/next/no-img-element -- a presigned image behind a redirect, sized by the overlay
    <img
      src={src}
      alt={alt}
      width={width}
      height={height}
      decoding="async"
      draggable={false}
      onError={() => setFailed(true)}
      className="absolute inset-0 h-full w-full select-none"
    />
  );
}

function PagePlaceholder({ page }: { page: PageDto }) {
  const bad = page.status === "failed";
  return (
    <div
      className={`absolute inset-0 flex flex-col items-center justify-center gap-2 p-6 text-center text-sm ${
        bad ? "bg-red-50/60 text-red-800" : "bg-neutral-50 text-ink-muted"
      }`}
    >
      {page.status === "processing" && (
        <span aria-hidden="true" className="h-5 w-5 animate-spin rounded-full border-2 border-accent-500 border-t-transparent" />
      )}
      <p>{page.error?.message ?? WAITING[page.status]}</p>
      {bad && page.error?.message && <p className="sr-only">{WAITING.failed}</p>}
    </div>
  );
}
