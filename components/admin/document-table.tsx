"use client";

import Link from "next/link";
import type { DocumentDto } from "@/lib/api-types";
import type { SortKey } from "@/components/api/endpoints";
import { formatBytes, formatDate, formatDuration } from "@/components/format";
import { modelWarning } from "@/components/ui/model-notice";
import { StatusBadge } from "@/components/ui/status-badge";
import { RowActions, type RowAction } from "./row-actions";

type Sort = { sort: SortKey; dir: "asc" | "desc" };

function duration(doc: DocumentDto, now: number): string {
  if (!doc.startedAt) return "—";
  const end = doc.finishedAt ? Date.parse(doc.finishedAt) : now;
  return formatDuration(end - Date.parse(doc.startedAt));
}

function SortHeader({ label, column, sort, onSort }: { label: string; column: SortKey; sort: Sort; onSort: (column: SortKey) => void }) {
  const active = sort.sort === column;
  const ariaSort = active ? (sort.dir === "asc" ? "ascending" : "descending") : "none";
  return (
    <th scope="col" aria-sort={ariaSort} className="px-3 py-2 text-left font-medium">
      <button
        type="button"
        onClick={() => onSort(column)}
        data-testid={`sort-${column}`}
        className="inline-flex items-center gap-1 rounded hover:text-accent-700"
      >
        {label}
        <span aria-hidden="true" className={active ? "text-accent-700" : "text-neutral-400"}>
          {active ? (sort.dir === "asc" ? "▲" : "▼") : "↕"}
        </span>
      </button>
    </th>
  );
}

/** Every document with its state, sortable, with the actions that fit its status. */
export function DocumentTable({
  documents,
  sort,
  onSort,
  busyIds,
  onAction,
  now,
}: {
  documents: DocumentDto[];
  sort: Sort;
  onSort: (column: SortKey) => void;
  busyIds: ReadonlySet<string>;
  onAction: (action: RowAction, document: DocumentDto) => void;
  now: number;
}) {
  const plain = (label: string) => (
    <th scope="col" className="px-3 py-2 text-left font-medium">
      {label}
    </th>
  );
  return (
    <div className="overflow-x-auto rounded-lg border border-line bg-white">
      <table className="w-full min-w-[60rem] text-sm" data-testid="admin-table">
        <caption className="sr-only">Documents</caption>
        <thead className="border-b border-line bg-neutral-50 text-ink-muted">
          <tr>
            <SortHeader label="File" column="filename" sort={sort} onSort={onSort} />
            <SortHeader label="Size" column="sizeBytes" sort={sort} onSort={onSort} />
            <SortHeader label="Pages" column="pageCount" sort={sort} onSort={onSort} />
            <SortHeader label="Status" column="status" sort={sort} onSort={onSort} />
            {plain("Model")}
            <SortHeader label="Created" column="createdAt" sort={sort} onSort={onSort} />
            {plain("Duration")}
            {plain("Error")}
            {plain("Actions")}
          </tr>
        </thead>
        <tbody className="divide-y divide-line">
          {documents.length === 0 && (
            <tr>
              <td colSpan={9} className="px-3 py-8 text-center text-ink-muted">
                No documents match.
              </td>
            </tr>
          )}
          {documents.map((doc) => (
            <tr key={doc.id} data-testid="document-row" data-document-id={doc.id} data-status={doc.status} className="align-top">
              <td className="max-w-64 px-3 py-2">
                <Link href={`/documents/${doc.id}`} className="break-words font-medium text-accent-700 underline-offset-2 hover:underline">
                  {doc.filename}
                </Link>
              </td>
              <td className="whitespace-nowrap px-3 py-2 tabular-nums">{formatBytes(doc.sizeBytes)}</td>
              <td className="whitespace-nowrap px-3 py-2 tabular-nums">
                {doc.pageCount === null ? "—" : `${doc.pagesDone}/${doc.pageCount}`}
                {doc.pagesFailed > 0 && <span className="text-red-700"> ({doc.pagesFailed} failed)</span>}
              </td>
              <td className="px-3 py-2">
                <StatusBadge status={doc.status} />
                {doc.waiting && (
                  <p className="mt-1 text-xs text-amber-900" data-testid="document-waiting">
                    {doc.waiting.message}
                  </p>
                )}
              </td>
              <td className="min-w-40 px-3 py-2">
                {doc.model ? (
                  <>
                    <span>{doc.model.name}</span>
                    {modelWarning(doc.model) && (
                      <span className="ml-1 rounded bg-amber-50 px-1 text-xs text-amber-900" title={modelWarning(doc.model) ?? undefined}>
                        {doc.model.kind ?? "unverified"}
                      </span>
                    )}
                  </>
                ) : (
                  "—"
                )}
              </td>
              <td className="whitespace-nowrap px-3 py-2">{formatDate(doc.createdAt)}</td>
              <td className="whitespace-nowrap px-3 py-2 tabular-nums">{duration(doc, now)}</td>
              <td className="max-w-72 px-3 py-2 text-red-800">{doc.error?.message ?? ""}</td>
              <td className="px-3 py-2">
                <RowActions document={doc} busy={busyIds.has(doc.id)} onAction={onAction} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
