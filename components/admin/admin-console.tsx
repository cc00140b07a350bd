"use client";

import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { DocumentDto, DocumentStatusDto } from "@/lib/api-types";
import {
  adminLogout,
  cancelDocument,
  deleteDocument,
  fetchDocumentList,
  queryKeys,
  retryDocument,
  type DocumentListParams,
  type SortKey,
} from "@/components/api/endpoints";
import { ApiError, errorMessage } from "@/components/api/fetch-json";
import { useNow } from "@/components/viewer/use-now";
import { DocumentTable } from "./document-table";
import { ListControls } from "./list-controls";
import { LoginForm } from "./login-form";
import { Pagination } from "./pagination";
import { TextSearch } from "./text-search";
import type { RowAction } from "./row-actions";
import { useDebounced } from "./use-debounced";

const PAGE_SIZE = 25;
const RUNNING = new Set<DocumentStatusDto>(["uploading", "queued", "processing"]);
const ACTIONS = { retry: retryDocument, cancel: cancelDocument, delete: deleteDocument } as const;
const DONE_WORDS = { retry: "queued again", cancel: "cancelled", delete: "deleted" } as const;

/** The admin page: sign-in when needed, then the document list with its filters and actions. */
export function AdminConsole() {
  const client = useQueryClient();
  const [status, setStatus] = useState<DocumentStatusDto | "">("");
  const [search, setSearch] = useState("");
  const [sort, setSort] = useState<{ sort: SortKey; dir: "asc" | "desc" }>({ sort: "createdAt", dir: "desc" });
  const [page, setPage] = useState(1);
  const [busy, setBusy] = useState<ReadonlySet<string>>(() => new Set());
  const [notice, setNotice] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const q = useDebounced(search, 300);

  const params: DocumentListParams = { status, q, sort: sort.sort, dir: sort.dir, page, pageSize: PAGE_SIZE };
  const list = useQuery({
    queryKey: queryKeys.documentList(params),
    queryFn: ({ signal }) => fetchDocumentList(params, signal),
    placeholderData: keepPreviousData,
    refetchInterval: (query) => (query.state.data?.documents.some((d) => RUNNING.has(d.status)) ? 5000 : false),
  });
  const anyRunning = list.data?.documents.some((d) => RUNNING.has(d.status)) ?? false;
  const now = useNow(anyRunning);

  const refresh = () => client.invalidateQueries({ queryKey: queryKeys.documentLists() });

  const action = useMutation({
    mutationFn: ({ kind, document }: { kind: RowAction; document: DocumentDto }) => ACTIONS[kind](document.id),
    onMutate: ({ document }) => {
      setNotice(null);
      setBusy((old) => new Set(old).add(document.id));
    },
    onSuccess: (_data, { kind, document }) => setNotice({ kind: "ok", text: `"${document.filename}" ${DONE_WORDS[kind]}.` }),
    onError: (error, { kind, document }) =>
      setNotice({ kind: "error", text: `Could not ${kind} "${document.filename}": ${errorMessage(error)}` }),
    onSettled: async (_d, _e, { document }) => {
      setBusy((old) => {
        const next = new Set(old);
        next.delete(document.id);
        return next;
      });
      await refresh();
    },
  });

  // A fresh load: the server then renders the sign-in form, and nothing of the session stays in the query cache.
  const logout = useMutation({ mutationFn: adminLogout, onSettled: () => window.location.assign("/admin") });

  // After deletions the current page may no longer exist.
  const lastPage = list.data ? Math.max(1, Math.ceil(list.data.total / PAGE_SIZE)) : null;
  useEffect(() => {
    if (lastPage !== null && page > lastPage) setPage(lastPage);
  }, [lastPage, page]);

  const signedOut = list.error instanceof ApiError && list.error.status === 401;

  if (list.isPending) {
    return (
      <p role="status" className="text-ink-muted">
        Loading…
      </p>
    );
  }
  if (signedOut) return <LoginForm />;
  if (list.isError && !list.data) {
    return (
      <div role="alert" className="space-y-2">
        <p className="text-red-800">Could not load the documents: {errorMessage(list.error)}</p>
        <button type="button" onClick={() => void refresh()} className="rounded-md border border-line bg-white px-3 py-1.5 text-sm">
          Try again
        </button>
      </div>
    );
  }

  const data = list.data;
  const total = data?.total ?? 0;
  const pageCount = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const onSort = (column: SortKey) => {
    setSort((old) =>
      old.sort === column ? { sort: column, dir: old.dir === "asc" ? "desc" : "asc" } : { sort: column, dir: column === "createdAt" ? "desc" : "asc" },
    );
    setPage(1);
  };

  return (
    <div className="space-y-5">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <ListControls
          status={status}
          onStatus={(s) => {
            setStatus(s);
            setPage(1);
          }}
          search={search}
          onSearch={(value) => {
            setSearch(value);
            setPage(1);
          }}
        />
        <button
          type="button"
          onClick={() => logout.mutate()}
          disabled={logout.isPending}
          className="rounded-md border border-line bg-white px-3 py-1.5 text-sm hover:bg-neutral-50"
        >
          Sign out
        </button>
      </div>

      <div aria-live="polite" className="min-h-6">
        {notice && (
          <p role={notice.kind === "error" ? "alert" : "status"} data-testid="admin-notice" className={`text-sm ${notice.kind === "error" ? "text-red-700" : "text-emerald-800"}`}>
            {notice.text}
          </p>
        )}
        {list.isError && data && <p className="text-sm text-red-700">Refreshing failed: {errorMessage(list.error)}</p>}
      </div>

      <p className="text-sm text-ink-muted" data-testid="document-total">
        {total === 1 ? "1 document" : `${total} documents`}
        {list.isFetching && <span className="ml-2">· updating…</span>}
      </p>

      <DocumentTable
        documents={data?.documents ?? []}
        sort={sort}
        onSort={onSort}
        busyIds={busy}
        onAction={(kind, document) => action.mutate({ kind, document })}
        now={now}
      />
      <Pagination page={page} pageCount={pageCount} onPage={setPage} />
      <TextSearch />
    </div>
  );
}
