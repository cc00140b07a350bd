"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useId, useState } from "react";
import { adminSearch } from "@/components/api/endpoints";
import { errorMessage } from "@/components/api/fetch-json";
import { useDebounced } from "./use-debounced";

/** Admin: full-text search over the text of every document, with the matching pages and a snippet each. */
export function TextSearch() {
  const inputId = useId();
  const [text, setText] = useState("");
  const q = useDebounced(text.trim(), 300);
  const result = useQuery({ queryKey: ["admin-search", q], queryFn: ({ signal }) => adminSearch(q, signal), enabled: q.length > 0 });
  return (
    <section aria-labelledby={`${inputId}-title`} className="space-y-2 rounded-md border border-line bg-white p-3">
      <h2 id={`${inputId}-title`} className="text-sm font-medium">
        Search document text
      </h2>
      <input
        id={inputId}
        type="search"
        aria-label="Search the text of all documents"
        data-testid="admin-text-search"
        value={text}
        onChange={(e) => setText(e.target.value)}
        className="h-8 w-full max-w-md rounded-md border border-line px-2 text-sm"
      />
      {result.isError && <p className="text-sm text-red-700">{errorMessage(result.error)}</p>}
      {q && result.data && (
        <ul className="space-y-2 text-sm" data-testid="admin-search-results">
          {result.data.documents.length === 0 && <li className="text-ink-muted">No document contains that.</li>}
          {result.data.documents.map((d) => (
            <li key={d.documentId}>
              <Link href={`/documents/${d.documentId}`} className="font-medium text-accent-700 underline">
                {d.filename}
              </Link>
              <ul className="ml-4 space-y-1">
                {d.pages.map((p) => (
                  <li key={p.pageNumber}>
                    <Link href={`/documents/${d.documentId}#page-${p.pageNumber}`} className="text-ink-muted underline">
                      Page {p.pageNumber}
                    </Link>
                    {": "}
                    {p.snippet.map((part, i) => (part.match ? <mark key={i}>{part.text}</mark> : <span key={i}>{part.text}</span>))}
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
