"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { apiKeyListSchema, createApiKeyResponseSchema, type ApiKeyDto } from "@/lib/api-keys-types";
import { queryKeys } from "@/components/api/endpoints";
import { apiJson, ApiError, errorMessage } from "@/components/api/fetch-json";

// Under the document lists' key, so signing in and out refreshes and clears it with them.
const KEYS_QUERY = [...queryKeys.documentLists(), "api-keys"] as const;

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : "—");

/** API keys for programs: create (the secret is shown once), list, revoke. Hidden until signed in. */
export function ApiKeysPanel() {
  const client = useQueryClient();
  const nameId = useId();
  const urlId = useId();
  const [name, setName] = useState("");
  const [callbackUrl, setCallbackUrl] = useState("");
  const [created, setCreated] = useState<{ name: string; secret: string } | null>(null);
  const keys = useQuery({ queryKey: KEYS_QUERY, queryFn: ({ signal }) => apiJson("/api/keys", apiKeyListSchema, { signal }) });
  const refresh = () => client.invalidateQueries({ queryKey: KEYS_QUERY });
  const create = useMutation({
    mutationFn: () =>
      apiJson("/api/keys", createApiKeyResponseSchema, { method: "POST", json: { name, ...(callbackUrl ? { callbackUrl } : {}) } }),
    onSuccess: (res) => {
      setCreated({ name: res.apiKey.name, secret: res.secret });
      setName("");
      setCallbackUrl("");
      void refresh();
    },
  });
  const revoke = useMutation({
    mutationFn: (key: ApiKeyDto) => apiJson(`/api/keys/${key.id}`, null, { method: "DELETE" }),
    onSettled: () => void refresh(),
  });

  if (keys.error instanceof ApiError && keys.error.status === 401) return null;
  if (!keys.data) return null;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (name.trim()) create.mutate();
  };

  return (
    <section aria-labelledby="api-keys-heading" className="space-y-4 rounded-lg border border-line bg-white p-5">
      <h2 id="api-keys-heading" className="text-lg font-semibold">
        API keys
      </h2>
      <p className="text-sm text-ink-muted">
        Programs send <code>Authorization: Bearer &lt;key&gt;</code>. A key sees only the documents it created. See the{" "}
        <a href="/api-docs" className="text-accent-700 underline">
          API page
        </a>
        .
      </p>
      <form onSubmit={submit} className="flex flex-wrap items-end gap-3" aria-label="Create an API key">
        <div className="space-y-1">
          <label htmlFor={nameId} className="block text-sm font-medium">
            Key name
          </label>
          <input id={nameId} value={name} onChange={(e) => setName(e.target.value)} maxLength={100} required className="rounded-md border border-neutral-300 px-3 py-1.5" />
        </div>
        <div className="space-y-1">
          <label htmlFor={urlId} className="block text-sm font-medium">
            Default webhook URL (optional)
          </label>
          <input id={urlId} type="url" value={callbackUrl} onChange={(e) => setCallbackUrl(e.target.value)} className="w-80 rounded-md border border-neutral-300 px-3 py-1.5" />
        </div>
        <button type="submit" disabled={create.isPending || !name.trim()} className="rounded-md bg-accent-600 px-4 py-1.5 text-sm font-medium text-white disabled:opacity-50">
          Create key
        </button>
      </form>
      {create.isError && (
        <p role="alert" className="text-sm text-red-700">
          {errorMessage(create.error)}
        </p>
      )}
      {created && (
        <div role="status" data-testid="new-api-key" className="space-y-1 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm">
          <p>
            The key &ldquo;{created.name}&rdquo;. Copy it now: it is shown only this once.
          </p>
          <code className="block break-all font-mono">{created.secret}</code>
          <button type="button" onClick={() => setCreated(null)} className="text-accent-700 underline">
            Done
          </button>
        </div>
      )}
      {revoke.isError && (
        <p role="alert" className="text-sm text-red-700">
          {errorMessage(revoke.error)}
        </p>
      )}
      <table className="w-full text-left text-sm">
        <thead>
          <tr className="border-b border-line">
            <th className="py-1.5">Name</th>
            <th>Prefix</th>
            <th>Default webhook</th>
            <th>Created</th>
            <th>Last used</th>
            <th>State</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {keys.data.apiKeys.map((key) => (
            <tr key={key.id} className="border-b border-line/60" data-testid="api-key-row">
              <td className="py-1.5">{key.name}</td>
              <td className="font-mono">{key.prefix}…</td>
              <td className="max-w-48 truncate">{key.callbackUrl ?? "—"}</td>
              <td>{when(key.createdAt)}</td>
              <td>{when(key.lastUsedAt)}</td>
              <td>{key.revokedAt ? `revoked ${when(key.revokedAt)}` : "active"}</td>
              <td>
                {!key.revokedAt && (
                  <button type="button" onClick={() => revoke.mutate(key)} disabled={revoke.isPending} className="rounded-md border border-line px-2 py-1">
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
          {keys.data.apiKeys.length === 0 && (
            <tr>
              <td colSpan={7} className="py-2 text-ink-muted">
                No keys yet.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}
