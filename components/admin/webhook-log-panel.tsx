"use client";

import { useQuery } from "@tanstack/react-query";
import { useId, useState } from "react";
import { webhookDeliveryListSchema } from "@/lib/webhook-types";
import { queryKeys } from "@/components/api/endpoints";
import { apiJson } from "@/components/api/fetch-json";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The webhook delivery log: every delivery, newest first, or one document's (status code, attempts, last error). */
export function WebhookLogPanel() {
  const inputId = useId();
  const [documentId, setDocumentId] = useState("");
  const filter = UUID.test(documentId.trim()) ? documentId.trim() : "";
  const log = useQuery({
    // Under the document lists' key, so signing in and out refreshes and clears it with them.
    queryKey: [...queryKeys.documentLists(), "webhooks", filter],
    queryFn: ({ signal }) => apiJson(`/api/webhooks${filter ? `?documentId=${filter}` : ""}`, webhookDeliveryListSchema, { signal }),
    refetchInterval: (query) => (query.state.data?.deliveries.some((d) => d.status === "pending") ? 5000 : false),
  });
  if (!log.data) return null;
  return (
    <section aria-labelledby="webhooks-heading" className="space-y-3 rounded-lg border border-line bg-white p-5">
      <h2 id="webhooks-heading" className="text-lg font-semibold">
        Webhook deliveries
      </h2>
      <div className="space-y-1">
        <label htmlFor={inputId} className="block text-sm font-medium">
          Document id (empty: all documents)
        </label>
        <input id={inputId} value={documentId} onChange={(e) => setDocumentId(e.target.value)} className="w-96 rounded-md border border-neutral-300 px-3 py-1.5 font-mono text-sm" />
      </div>
      <table className="w-full text-left text-sm">
        <thead>
          <tr className="border-b border-line">
            <th className="py-1.5">Event</th>
            <th>Document</th>
            <th>URL</th>
            <th>State</th>
            <th>Attempts</th>
            <th>Last status</th>
            <th>Last error</th>
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          {log.data.deliveries.map((d) => (
            <tr key={d.id} className="border-b border-line/60" data-testid="webhook-delivery-row">
              <td className="py-1.5">{d.type}</td>
              <td className="font-mono">
                <a href={`/documents/${d.documentId}`} className="text-accent-700 underline">
                  {d.documentId.slice(0, 8)}
                </a>
              </td>
              <td className="max-w-48 truncate">{d.url}</td>
              <td>{d.status}</td>
              <td>{d.attempts}</td>
              <td>{d.lastStatusCode ?? "—"}</td>
              <td className="max-w-64 truncate" title={d.lastError ?? undefined}>
                {d.lastError ?? "—"}
              </td>
              <td>{new Date(d.createdAt).toLocaleString()}</td>
            </tr>
          ))}
          {log.data.deliveries.length === 0 && (
            <tr>
              <td colSpan={8} className="py-2 text-ink-muted">
                No deliveries.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}
