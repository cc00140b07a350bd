"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import type { DocumentDto } from "@/lib/api-types";
import { fetchModels, queryKeys, startRun } from "@/components/api/endpoints";
import { errorMessage } from "@/components/api/fetch-json";

/** Runs a finished document again with an installed model: a new run beside the ones it has. */
export function RerunControl({ document }: { document: DocumentDto }) {
  const client = useQueryClient();
  const models = useQuery({ queryKey: [...queryKeys.documentLists(), "models"], queryFn: ({ signal }) => fetchModels(signal), staleTime: 10_000 });
  const [choice, setChoice] = useState<string>("");
  const run = useMutation({
    mutationFn: (model: string) => startRun(document.id, model),
    onSuccess: () => void client.invalidateQueries({ queryKey: queryKeys.runs(document.id) }),
  });
  const list = models.data?.models ?? [];
  const model = choice || list.find((m) => m.id !== document.model?.id)?.id || list[0]?.id || "";
  return (
    <form
      className="flex flex-wrap items-center gap-1"
      aria-label={`Run ${document.filename} again`}
      onSubmit={(e) => {
        e.preventDefault();
        if (model) run.mutate(model);
      }}
    >
      <label className="sr-only" htmlFor={`rerun-${document.id}`}>
        Model for another run of {document.filename}
      </label>
      <select
        id={`rerun-${document.id}`}
        value={model}
        onChange={(e) => setChoice(e.target.value)}
        disabled={!list.length || run.isPending}
        className="max-w-44 rounded border border-line px-1 py-1 text-xs"
      >
        {list.map((m) => (
          <option key={m.id} value={m.id}>
            {m.name} ({m.kindLabel}){m.served ? "" : " — no worker serves it now"}
          </option>
        ))}
      </select>
      <button
        type="submit"
        disabled={!model || run.isPending}
        aria-label={`Run ${document.filename} again`}
        className="rounded border border-accent-500 px-2 py-1 text-xs font-medium text-accent-700 hover:bg-accent-50 disabled:cursor-not-allowed disabled:opacity-40"
      >
        Run again
      </button>
      {run.isSuccess && (
        <Link role="status" href={`/documents/${document.id}`} className="text-xs text-accent-700 underline">
          Run {run.data.number} started ({run.data.model.name})
        </Link>
      )}
      {run.isError && (
        <span role="alert" className="text-xs text-red-700">
          {errorMessage(run.error)}
        </span>
      )}
    </form>
  );
}
