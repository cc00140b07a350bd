"use client";

import { useQuery } from "@tanstack/react-query";
import { useEffect, useId, useState } from "react";
import type { SearchHitDto } from "@/lib/api-types";
import { searchDocument } from "@/components/api/endpoints";
import { errorMessage } from "@/components/api/fetch-json";

const button =
  "inline-flex h-8 items-center justify-center rounded-md border border-line bg-white px-2 text-sm hover:bg-neutral-50 disabled:cursor-not-allowed disabled:opacity-40";

export type FindState = { hits: SearchHitDto[]; current: number };

/**
 * Find in document: a full-text search on the server (stemmed words, so "measure" finds "measurements"),
 * whose matching regions are highlighted on their pages; next and previous go from one to the next.
 */
export function FindBar({ documentId, onChange }: { documentId: string; onChange: (state: FindState | null) => void }) {
  const inputId = useId();
  const [text, setText] = useState("");
  const [q, setQ] = useState("");
  const [current, setCurrent] = useState(0);
  useEffect(() => {
    const t = setTimeout(() => setQ(text.trim()), 250);
    return () => clearTimeout(t);
  }, [text]);
  const result = useQuery({
    queryKey: ["search", documentId, q],
    queryFn: ({ signal }) => searchDocument(documentId, q, signal),
    enabled: q.length > 0,
    staleTime: 30_000,
  });
  const hits = q && result.data ? result.data.hits : null;

  useEffect(() => {
    setCurrent(0);
  }, [q]);
  useEffect(() => {
    onChange(hits ? { hits, current: Math.min(current, Math.max(0, hits.length - 1)) } : null);
  }, [hits, current, onChange]);
  useEffect(() => {
    const hit = hits?.[current];
    if (hit) document.getElementById(`page-${hit.pageNumber}`)?.scrollIntoView({ block: "start" });
  }, [hits, current]);

  const step = (delta: number) => hits?.length && setCurrent((c) => (c + delta + hits.length) % hits.length);
  return (
    <form role="search" className="flex flex-wrap items-center gap-2" onSubmit={(e) => (e.preventDefault(), step(1))}>
      <label htmlFor={inputId} className="text-sm font-medium">
        Find in document
      </label>
      <input
        id={inputId}
        data-testid="find-input"
        type="search"
        value={text}
        onChange={(e) => setText(e.target.value)}
        className="h-8 w-56 rounded-md border border-line px-2 text-sm"
      />
      <button type="button" className={button} onClick={() => step(-1)} disabled={!hits?.length} aria-label="Previous match">
        ‹
      </button>
      <button type="button" className={button} onClick={() => step(1)} disabled={!hits?.length} aria-label="Next match">
        ›
      </button>
      <span className="text-sm tabular-nums text-ink-muted" aria-live="polite" data-testid="find-count">
        {result.isError ? errorMessage(result.error) : hits ? (hits.length ? `${current + 1} of ${hits.length}` : "No matches") : ""}
      </span>
    </form>
  );
}
