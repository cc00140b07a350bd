"use client";

import { useQuery } from "@tanstack/react-query";
import { fetchModels, queryKeys } from "@/components/api/endpoints";
import { formatDate } from "@/components/format";

/** How often the list of workers is refreshed: heartbeats come every few seconds. */
const MODELS_POLL_MS = 10_000;

/** The installed models and the live workers serving each (host, pid, last heartbeat), from GET /api/models. */
export function ModelsPanel() {
  const list = useQuery({
    // Under the document lists' key, so signing in (which names the workers) refreshes it.
    queryKey: [...queryKeys.documentLists(), "models"],
    queryFn: ({ signal }) => fetchModels(signal),
    refetchInterval: MODELS_POLL_MS,
  });
  if (!list.data) return null;
  return (
    <section aria-labelledby="models-heading" className="space-y-3 rounded-lg border border-line bg-white p-5">
      <h2 id="models-heading" className="text-lg font-semibold">
        Installed models
      </h2>
      <table className="w-full text-left text-sm">
        <thead>
          <tr className="border-b border-line">
            <th className="py-1.5">Model</th>
            <th>Id</th>
            <th>Kind</th>
            <th>Labels</th>
            <th>Workers serving it</th>
          </tr>
        </thead>
        <tbody>
          {list.data.models.map((m) => (
            <tr key={m.id} className="border-b border-line/60 align-top" data-testid="model-row" data-model-id={m.id}>
              <td className="py-1.5">
                {m.name}
                {m.default && <span className="ml-1 rounded bg-accent-50 px-1 text-xs">default</span>}
              </td>
              <td className="font-mono">{m.id}</td>
              <td>{m.kindLabel}</td>
              <td>{m.labels.join(", ")}</td>
              <td data-testid="model-workers">
                {!m.served ? (
                  <span className="text-amber-900">none: its documents wait for a worker with model {m.id}</span>
                ) : m.workers.length ? (
                  <ul>
                    {m.workers.map((w) => (
                      <li key={`${w.hostname}:${w.pid}:${w.lastSeen}`} className="font-mono text-xs">
                        {w.hostname} pid {w.pid}, seen {formatDate(w.lastSeen)}
                      </li>
                    ))}
                  </ul>
                ) : (
                  "yes"
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="text-xs text-ink-muted">Workers serve the models named in WORKER_MODELS (default: the default model); see the README, &quot;Several models&quot;.</p>
    </section>
  );
}
