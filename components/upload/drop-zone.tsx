"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState, type DragEvent } from "react";
import type { DocumentDto, InstalledModelDto } from "@/lib/api-types";
import { ModelPicker } from "./model-picker";
import { queryKeys } from "@/components/api/endpoints";
import { formatBytes } from "@/components/format";
import { ACCEPT_ATTRIBUTE } from "@/lib/accepted-files";
import { isTerminal } from "@/components/viewer/document-cache";
import { DocumentRow } from "./document-row";
import { useRecentDocuments } from "./recent-documents";
import { UploadRow } from "./upload-row";
import { useUploads } from "./use-uploads";

const hasFiles = (event: { dataTransfer: DataTransfer | null }) => Array.from(event.dataTransfer?.types ?? []).includes("Files");

/**
 * Drag-and-drop (one or many PDFs or images) or a file picker; each file gets its own row with progress, and the
 * documents uploaded from this browser before (localStorage) are listed below them, followed live as well.
 */
export function DropZone({ maxBytes, models = [] }: { maxBytes: number; models?: InstalledModelDto[] }) {
  const client = useQueryClient();
  const recent = useRecentDocuments();
  const { items, addFiles, clearFinished } = useUploads(maxBytes, recent.remember);
  const [dragging, setDragging] = useState(false);
  const depth = useRef(0);
  const input = useRef<HTMLInputElement>(null);
  const inputId = useId();
  const [model, setModel] = useState(() => models.find((m) => m.default)?.id ?? models[0]?.id);
  const hintId = useId();

  // A file dropped next to the zone must not make the browser navigate away from the page.
  useEffect(() => {
    const block = (event: globalThis.DragEvent) => {
      if (hasFiles(event)) event.preventDefault();
    };
    window.addEventListener("dragover", block);
    window.addEventListener("drop", block);
    return () => {
      window.removeEventListener("dragover", block);
      window.removeEventListener("drop", block);
    };
  }, []);

  const onDragEnter = (event: DragEvent) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth.current++;
    setDragging(true);
  };
  const onDragLeave = () => {
    depth.current = Math.max(0, depth.current - 1);
    if (depth.current === 0) setDragging(false);
  };
  const onDragOver = (event: DragEvent) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    depth.current = 0;
    setDragging(false);
    addFiles(Array.from(event.dataTransfer.files), model);
  };

  const documentFinished = (id: string) => {
    const doc = client.getQueryData<DocumentDto>(queryKeys.documentSummary(id));
    return doc !== undefined && isTerminal(doc.status);
  };
  const inList = new Set(items.flatMap((i) => (i.document ? [i.document.id] : [])));
  const earlier = recent.ids.filter((id) => !inList.has(id));
  const finished = items.some((i) => i.phase === "queued" || i.phase === "failed" || i.phase === "rejected") || earlier.length > 0;
  const clear = () => {
    clearFinished(documentFinished);
    recent.forget(recent.ids.filter(documentFinished));
  };

  return (
    <section aria-labelledby={`${inputId}-title`} className="space-y-6">
      {models.length > 0 && <ModelPicker models={models} value={model} onChange={setModel} />}
      <div
        data-testid="drop-zone"
        data-dragging={dragging}
        onDragEnter={onDragEnter}
        onDragLeave={onDragLeave}
        onDragOver={onDragOver}
        onDrop={onDrop}
        className={`flex flex-col items-center justify-center gap-3 rounded-xl border-2 border-dashed px-6 py-14 text-center transition-colors ${
          dragging ? "border-accent-500 bg-accent-50" : "border-neutral-300 bg-white"
        }`}
      >
        <svg aria-hidden="true" viewBox="0 0 24 24" className="h-10 w-10 text-accent-600" fill="none" stroke="currentColor" strokeWidth="1.5">
          <path d="M12 16V4m0 0-4 4m4-4 4 4M4 16v2a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-2" strokeLinecap="round" strokeLinejoin="round" />
        </svg>
        <h2 id={`${inputId}-title`} className="text-lg font-medium">
          Drop PDFs or images here
        </h2>
        <p id={hintId} className="text-sm text-ink-muted">
          PDF, PNG, JPEG, WebP or TIFF (one page per frame); one or many files, up to {formatBytes(maxBytes)} each.
        </p>
        <button
          type="button"
          onClick={() => input.current?.click()}
          aria-describedby={hintId}
          className="rounded-md bg-accent-600 px-4 py-2 text-sm font-medium text-white hover:bg-accent-700"
        >
          Choose files
        </button>
        <label htmlFor={inputId} className="sr-only">
          PDF or image files to upload
        </label>
        <input
          ref={input}
          id={inputId}
          data-testid="file-input"
          type="file"
          accept={ACCEPT_ATTRIBUTE}
          multiple
          tabIndex={-1}
          className="sr-only"
          onChange={(event) => {
            addFiles(Array.from(event.target.files ?? []), model);
            event.target.value = "";
          }}
        />
      </div>

      {items.length + earlier.length > 0 && (
        <div className="space-y-3">
          <div className="flex items-center justify-between">
            <h2 className="text-base font-medium">Uploads</h2>
            {finished && (
              <button type="button" onClick={clear} className="rounded px-2 py-1 text-sm text-ink-muted hover:bg-neutral-100 hover:text-ink">
                Clear finished
              </button>
            )}
          </div>
          <ul aria-label="Uploads" data-testid="upload-list" className="space-y-3">
            {items.map((item) => (
              <UploadRow key={item.key} item={item} onGone={(id) => recent.forget([id])} />
            ))}
            {earlier.map((id) => (
              <DocumentRow key={id} id={id} onGone={(gone) => recent.forget([gone])} />
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
