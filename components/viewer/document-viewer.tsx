"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useCallback, useMemo, useState } from "react";
import type { PageDto } from "@/lib/api-types";
import { fetchCompare, fetchDocument, fetchRuns, queryKeys } from "@/components/api/endpoints";
import { ApiError, errorMessage } from "@/components/api/fetch-json";
import { DocumentHeader } from "./document-header";
import { FindBar, type FindState } from "./find-bar";
import { isTerminal, type DocumentDetail } from "./document-cache";
import { PageStrip } from "./page-strip";
import { PageView } from "./page-view";
import { SINGLE_RUN, type RunView } from "./run-view";
import { RunsPanel } from "./runs-panel";
import { orderLabels } from "./palette";
import { useDocumentStream } from "./use-document-stream";
import { useLoadedDetections } from "./use-loaded-detections";
import { useNow } from "./use-now";
import { DEFAULT_ZOOM, type ViewSettings } from "./view-settings";
import { ViewerToolbar } from "./viewer-toolbar";

const placeholderPage = (pageNumber: number): PageDto => ({
  pageNumber,
  status: "pending",
  widthPt: null,
  heightPt: null,
  imageUrl: null,
  imageWidth: null,
  imageHeight: null,
  renderMs: null,
  inferMs: null,
  detectionCount: null,
  note: null,
  error: null,
  textLayer: null,
  unassignedText: null,
});

/** A document's live view: progress, then every page with its detections as soon as it is done. */
export function DocumentViewer({ id }: { id: string }) {
  const query = useQuery<DocumentDetail>({
    queryKey: queryKeys.document(id),
    queryFn: ({ signal }) => fetchDocument(id, signal),
    // A finished document may be retried from the admin page meanwhile.
    refetchOnWindowFocus: true,
  });
  const status = query.data?.document.status;
  const active = status !== undefined && !isTerminal(status);
  const stream = useDocumentStream(id, active);
  // Fallback when the event stream cannot be kept open: poll.
  useQuery({
    queryKey: queryKeys.document(id),
    queryFn: ({ signal }) => fetchDocument(id, signal),
    enabled: active && stream === "stopped",
    refetchInterval: 5000,
  });
  const now = useNow(active);

  const [threshold, setThreshold] = useState(0);
  const [hidden, setHidden] = useState<ReadonlySet<string>>(() => new Set());
  const [zoom, setZoom] = useState(DEFAULT_ZOOM);
  const settings = useMemo<ViewSettings>(() => ({ threshold, hidden, zoom }), [threshold, hidden, zoom]);
  const toggle = useCallback(
    (label: string) =>
      setHidden((old) => {
        const next = new Set(old);
        if (!next.delete(label)) next.add(label);
        return next;
      }),
    [],
  );

  // Runs: polled while one is in progress (the event stream is run 1's and ends with the document).
  const runsQuery = useQuery({
    queryKey: queryKeys.runs(id),
    queryFn: ({ signal }) => fetchRuns(id, signal),
    enabled: status !== undefined && isTerminal(status),
    refetchInterval: (q) => (q.state.data?.some((r) => r.status === "processing" || r.status === "queued") ? 2000 : false),
  });
  const runs = useMemo(() => runsQuery.data ?? [], [runsQuery.data]);
  const [picked, setPicked] = useState<RunView | null>(null);
  const runView = useMemo<RunView>(
    () => (runs.length < 2 ? SINGLE_RUN : (picked ?? { a: 1, b: runs.at(-1)!.number, showA: true, showB: true })),
    [runs, picked],
  );
  const comparing = runView.b !== null && runView.b !== runView.a;
  const progress = runs.map((r) => `${r.number}:${r.status}:${r.pagesDone}`).join(",");
  const agreement = useQuery({
    queryKey: queryKeys.compare(id, runView.a, runView.b ?? 0, progress),
    queryFn: ({ signal }) => fetchCompare(id, runView.a, runView.b!, signal),
    enabled: comparing,
    placeholderData: (previous) => previous,
  });
  const agreementByPage = useMemo(() => new Map((comparing ? (agreement.data?.pages ?? []) : []).map((p) => [p.pageNumber, p])), [agreement.data, comparing]);

  const { counts, labels, loadedPages } = useLoadedDetections(id, threshold);
  const [find, setFind] = useState<FindState | null>(null);
  const matchesByPage = useMemo(() => {
    const map = new Map<number, { box: [number, number, number, number]; current: boolean }[]>();
    find?.hits.forEach((hit, i) => {
      const list = map.get(hit.pageNumber) ?? [];
      list.push({ box: hit.box, current: i === find.current });
      map.set(hit.pageNumber, list);
    });
    return map;
  }, [find]);

  const pages = useMemo(() => {
    const list = query.data?.pages ?? [];
    const count = query.data?.document.pageCount ?? 0;
    if (list.length >= count) return list;
    const have = new Set(list.map((p) => p.pageNumber));
    const all = list.slice();
    for (let n = 1; n <= count; n++) if (!have.has(n)) all.push(placeholderPage(n));
    return all.sort((a, b) => a.pageNumber - b.pageNumber);
  }, [query.data]);

  if (query.isPending) {
    return (
      <p role="status" className="text-ink-muted">
        Loading document…
      </p>
    );
  }
  if (query.isError) {
    const missing = query.error instanceof ApiError && (query.error.status === 404 || query.error.status === 400);
    return (
      <div role="alert" className="space-y-3">
        <h1 className="text-2xl font-semibold">{missing ? "Document not found" : "Could not load this document"}</h1>
        <p className="text-ink-muted">{errorMessage(query.error)}</p>
        <Link href="/" className="text-accent-700 underline">
          Upload a PDF
        </Link>
      </div>
    );
  }

  const { document } = query.data;
  const done = pages.filter((p) => p.status === "done").length;
  const failed = pages.filter((p) => p.status === "failed").length;
  const tally = {
    done: pages.length ? done : document.pagesDone,
    failed: pages.length ? failed : document.pagesFailed,
    total: document.pageCount,
  };
  const caption =
    done === 0
      ? "Counts appear as pages load."
      : loadedPages < done
        ? `Counts over ${loadedPages} of ${done} finished pages (pages load as you scroll).`
        : `Counts over all ${done} finished pages.`;

  return (
    <div className="space-y-6" data-testid="document-viewer" data-document-id={document.id} data-status={document.status}>
      <DocumentHeader document={document} tally={tally} now={now} stream={stream} />
      <PageStrip pages={pages} done={done} />
      {runs.length > 1 && (
        <RunsPanel documentId={document.id} runs={runs} view={runView} onView={setPicked} agreement={comparing ? agreement.data : undefined} />
      )}
      {pages.length > 0 && (
        <ViewerToolbar
          threshold={threshold}
          onThreshold={setThreshold}
          zoom={zoom}
          onZoom={setZoom}
          legend={{ labels: orderLabels(labels), counts, hidden, onToggle: toggle, caption }}
          find={<FindBar documentId={document.id} onChange={setFind} />}
        />
      )}
      <div className="overflow-x-auto pb-8">
        <h2 className="sr-only">Pages</h2>
        <div className="space-y-8" data-testid="pages">
          {pages.map((page) => (
            <PageView
              key={page.pageNumber}
              documentId={document.id}
              filename={document.filename}
              page={page}
              settings={settings}
              matches={matchesByPage.get(page.pageNumber)}
              runs={runView}
              agreement={agreementByPage.get(page.pageNumber)}
            />
          ))}
        </div>
      </div>
    </div>
  );
}
