"use client";

import { useId } from "react";
import { documentStatusSchema, type DocumentStatusDto } from "@/lib/api-types";
import { STATUS_LABELS } from "@/components/ui/status-badge";

const field = "rounded-md border border-neutral-300 bg-white px-3 py-1.5 text-sm";

/** Status filter and the filename search. */
export function ListControls({
  status,
  onStatus,
  search,
  onSearch,
}: {
  status: DocumentStatusDto | "";
  onStatus: (status: DocumentStatusDto | "") => void;
  search: string;
  onSearch: (q: string) => void;
}) {
  const statusId = useId();
  const searchId = useId();
  return (
    <div className="flex flex-wrap items-end gap-4" role="search">
      <div className="flex flex-col gap-1">
        <label htmlFor={searchId} className="text-sm font-medium">
          Search by name
        </label>
        <input
          id={searchId}
          type="search"
          value={search}
          onChange={(e) => onSearch(e.target.value)}
          placeholder="Filename"
          maxLength={200}
          className={`${field} w-64`}
        />
      </div>
      <div className="flex flex-col gap-1">
        <label htmlFor={statusId} className="text-sm font-medium">
          Status
        </label>
        <select
          id={statusId}
          value={status}
          onChange={(e) => {
            const parsed = documentStatusSchema.safeParse(e.target.value);
            onStatus(parsed.success ? parsed.data : "");
          }}
          className={field}
        >
          <option value="">All statuses</option>
          {documentStatusSchema.options.map((s) => (
            <option key={s} value={s}>
              {STATUS_LABELS[s]}
            </option>
          ))}
        </select>
      </div>
    </div>
  );
}
