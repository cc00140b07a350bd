"use client";

import { useCallback, useEffect, useState } from "react";
import { z } from "zod";

/** Documents uploaded from this browser, newest first, so the home page can list them again after a reload. */
const STORAGE_KEY = "pagewise.recent-documents";
/** Enough for a folder dropped at once; older ones are still in /admin. */
export const MAX_RECENT = 50;

const storedSchema = z.array(z.uuid()).catch([]);

function read(): string[] {
  try {
    return storedSchema.parse(JSON.parse(window.localStorage.getItem(STORAGE_KEY) ?? "[]")).slice(0, MAX_RECENT);
  } catch {
    return [];
  }
}

function write(ids: string[]) {
  try {
    window.localStorage.setItem(STORAGE_KEY, JSON.stringify(ids.slice(0, MAX_RECENT)));
  } catch {
    // Storage full or disabled (private mode): the list just lasts until the page is left.
  }
}

/** The ids in localStorage, read after mount (the server render has none); `remember` and `forget` write through. */
export function useRecentDocuments() {
  const [ids, setIds] = useState<string[]>([]);
  useEffect(() => setIds(read()), []);

  const remember = useCallback((id: string) => {
    const next = [id, ...read().filter((x) => x !== id)];
    write(next);
    setIds(next.slice(0, MAX_RECENT));
  }, []);

  const forget = useCallback((gone: readonly string[]) => {
    if (!gone.length) return;
    const next = read().filter((x) => !gone.includes(x));
    write(next);
    setIds(next);
  }, []);

  return { ids, remember, forget };
}
