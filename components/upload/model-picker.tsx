"use client";

import { useId } from "react";
import type { InstalledModelDto } from "@/lib/api-types";

/** The installed models an upload may use, the default preselected; each says what it is and whether a worker runs it. */
export function ModelPicker({ models, value, onChange }: { models: InstalledModelDto[]; value: string | undefined; onChange: (id: string) => void }) {
  const id = useId();
  const chosen = models.find((m) => m.id === value);
  return (
    <div className="flex flex-wrap items-center gap-3">
      <label htmlFor={id} className="text-sm font-medium">
        Model
      </label>
      <select
        id={id}
        data-testid="model-select"
        value={value}
        onChange={(event) => onChange(event.target.value)}
        className="rounded-md border border-line bg-white px-2 py-1 text-sm"
      >
        {models.map((m) => (
          <option key={m.id} value={m.id}>
            {m.name} ({m.kindLabel}){m.default ? " · default" : ""}
          </option>
        ))}
      </select>
      {chosen && !chosen.served && (
        <span role="note" className="text-sm text-amber-800">
          No worker serves this model right now: its documents wait until one starts.
        </span>
      )}
    </div>
  );
}
