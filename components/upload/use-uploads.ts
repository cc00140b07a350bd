"use client";

import { useCallback, useEffect, useReducer, useRef } from "react";
import type { DocumentDto } from "@/lib/api-types";
import { errorMessage } from "@/components/api/fetch-json";
import { checkFile, uploadDocument } from "./upload-file";

export type UploadPhase = "rejected" | "starting" | "uploading" | "verifying" | "queued" | "failed";

export type UploadItem = {
  key: string;
  name: string;
  size: number;
  phase: UploadPhase;
  loaded: number;
  error: string | null;
  document: DocumentDto | null;
};

type Action =
  | { type: "add"; items: UploadItem[] }
  | { type: "update"; key: string; patch: Partial<UploadItem> }
  | { type: "clear"; documentFinished: (id: string) => boolean };

const FINISHED: ReadonlySet<UploadPhase> = new Set(["rejected", "queued", "failed"]);

function reducer(items: UploadItem[], action: Action): UploadItem[] {
  switch (action.type) {
    case "add":
      return [...items, ...action.items];
    case "update":
      return items.map((item) => (item.key === action.key ? { ...item, ...action.patch } : item));
    case "clear":
      // A queued upload is finished once its document is (the row follows the document from then on).
      return items.filter((item) =>
        item.phase === "queued" ? !(item.document && action.documentFinished(item.document.id)) : !FINISHED.has(item.phase),
      );
  }
}

/**
 * The upload list: every accepted file starts at once (uploads run in parallel); rejected ones say why.
 * `onCreated` hears of each document as soon as the server has made it (the home page remembers it).
 */
export function useUploads(maxBytes: number, onCreated: (documentId: string) => void = () => {}) {
  const [items, dispatch] = useReducer(reducer, []);
  const counter = useRef(0);
  const controllers = useRef(new Set<AbortController>());

  useEffect(() => {
    const active = controllers.current;
    return () => active.forEach((c) => c.abort());
  }, []);

  const start = useCallback((key: string, file: File, model?: string) => {
    const update = (patch: Partial<UploadItem>) => dispatch({ type: "update", key, patch });
    const controller = new AbortController();
    controllers.current.add(controller);
    uploadDocument(
      file,
      {
        onCreated: (document) => {
          onCreated(document.id);
          update({ document, phase: "uploading" });
        },
        onProgress: (loaded) => update({ loaded }),
        onSent: () => update({ phase: "verifying", loaded: file.size }),
      },
      controller.signal,
      model,
    )
      .then((document) =>
        update(
          document.status === "failed"
            ? { document, phase: "failed", error: document.error?.message ?? "The server could not accept this file." }
            : { document, phase: "queued" },
        ),
      )
      .catch((error: unknown) => update({ phase: "failed", error: errorMessage(error) }))
      .finally(() => controllers.current.delete(controller));
  }, [onCreated]);

  const addFiles = useCallback(
    (files: Iterable<File>, model?: string) => {
      const added: UploadItem[] = [];
      const toStart: [string, File][] = [];
      for (const file of files) {
        const key = `upload-${++counter.current}`;
        const problem = checkFile(file, maxBytes);
        added.push({
          key,
          name: file.name,
          size: file.size,
          phase: problem ? "rejected" : "starting",
          loaded: 0,
          error: problem,
          document: null,
        });
        if (!problem) toStart.push([key, file]);
      }
      if (!added.length) return;
      dispatch({ type: "add", items: added });
      for (const [key, file] of toStart) start(key, file, model);
    },
    [maxBytes, start],
  );

  const clearFinished = useCallback((documentFinished: (id: string) => boolean) => dispatch({ type: "clear", documentFinished }), []);

  return { items, addFiles, clearFinished };
}
