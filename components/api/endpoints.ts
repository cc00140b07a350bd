import {
  adminSearchSchema,
  createUploadResponseSchema,
  documentDetailSchema,
  documentListSchema,
  documentSchema,
  documentSearchSchema,
  modelListSchema,
  pageSchema,
  runAgreementSchema,
  runListSchema,
  runSchema,
  type DocumentStatusDto,
} from "@/lib/api-types";
import { z } from "zod";
import { apiJson } from "./fetch-json";

/** React Query keys, in one place so the event stream and the queries agree. */
export const queryKeys = {
  document: (id: string) => ["document", id] as const,
  documentSummary: (id: string) => ["document-summary", id] as const,
  page: (id: string, pageNumber: number) => ["page", id, pageNumber] as const,
  /** A page as a later run saw it (run 1's is `page`, which the event stream keeps up to date). */
  runPage: (id: string, run: number, pageNumber: number) => ["run-page", id, run, pageNumber] as const,
  runs: (id: string) => ["runs", id] as const,
  compare: (id: string, a: number, b: number, version: string) => ["compare", id, a, b, version] as const,
  documentList: (params: DocumentListParams) => ["documents", params] as const,
  documentLists: () => ["documents"] as const,
};

const documentOnly = z.object({ document: documentSchema });
const pageOnly = z.object({ page: pageSchema });

export const documentUrl = (id: string) => `/api/documents/${encodeURIComponent(id)}`;
export const exportUrl = (id: string, format: "json" | "coco" | "markdown" | "text", run = 1) =>
  `${documentUrl(id)}/export?format=${format}${run === 1 ? "" : `&run=${run}`}`;
export const eventsUrl = (id: string) => `${documentUrl(id)}/events`;

export const fetchDocument = (id: string, signal?: AbortSignal) => apiJson(documentUrl(id), documentDetailSchema, { signal });
export const fetchDocumentSummary = (id: string, signal?: AbortSignal) =>
  apiJson(`${documentUrl(id)}?pages=none`, documentOnly, { signal }).then((r) => r.document);
export const fetchPage = (id: string, n: number, signal?: AbortSignal) =>
  apiJson(`${documentUrl(id)}/pages/${n}`, pageOnly, { signal }).then((r) => r.page);

export const fetchRunPage = (id: string, run: number, n: number, signal?: AbortSignal) =>
  apiJson(`${documentUrl(id)}/pages/${n}?run=${run}`, pageOnly, { signal }).then((r) => r.page);
export const fetchRuns = (id: string, signal?: AbortSignal) => apiJson(`${documentUrl(id)}/runs`, runListSchema, { signal }).then((r) => r.runs);
export const fetchCompare = (id: string, a: number, b: number, signal?: AbortSignal) =>
  apiJson(`${documentUrl(id)}/compare?${new URLSearchParams({ a: String(a), b: String(b) })}`, runAgreementSchema, { signal });
export const fetchModels = (signal?: AbortSignal) => apiJson("/api/models", modelListSchema, { signal });
export const startRun = (id: string, model: string) =>
  apiJson(`${documentUrl(id)}/runs`, z.object({ run: runSchema }), { method: "POST", json: { model } }).then((r) => r.run);

export const searchDocument = (id: string, q: string, signal?: AbortSignal) =>
  apiJson(`${documentUrl(id)}/search?${new URLSearchParams({ q })}`, documentSearchSchema, { signal });

export const adminSearch = (q: string, signal?: AbortSignal) => apiJson(`/api/admin/search?${new URLSearchParams({ q })}`, adminSearchSchema, { signal });

export const createUpload = (file: { filename: string; sizeBytes: number; contentType: string; model?: string }) =>
  apiJson("/api/uploads", createUploadResponseSchema, { method: "POST", json: file });
export const completeUpload = (id: string) =>
  apiJson(`${documentUrl(id)}/complete`, documentOnly, { method: "POST" }).then((r) => r.document);

export type SortKey = "createdAt" | "filename" | "sizeBytes" | "status" | "pageCount";
export type DocumentListParams = {
  status: DocumentStatusDto | "";
  q: string;
  sort: SortKey;
  dir: "asc" | "desc";
  page: number;
  pageSize: number;
};

export function fetchDocumentList(params: DocumentListParams, signal?: AbortSignal) {
  const search = new URLSearchParams({
    sort: params.sort,
    dir: params.dir,
    page: String(params.page),
    pageSize: String(params.pageSize),
  });
  if (params.status) search.set("status", params.status);
  if (params.q.trim()) search.set("q", params.q.trim());
  return apiJson(`/api/documents?${search}`, documentListSchema, { signal });
}

export const adminLogin = (password: string) => apiJson("/api/admin/login", null, { method: "POST", json: { password } });
export const adminLogout = () => apiJson("/api/admin/logout", null, { method: "POST" });
export const retryDocument = (id: string) => apiJson(`${documentUrl(id)}/retry`, null, { method: "POST" });
export const cancelDocument = (id: string) => apiJson(`${documentUrl(id)}/cancel`, null, { method: "POST" });
export const deleteDocument = (id: string) => apiJson(documentUrl(id), null, { method: "DELETE" });
