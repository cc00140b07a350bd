import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rename, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { getObjectStream, type Storage } from "../lib/s3";

/** Files kept when no job holds them; held files are never evicted, so the folder may briefly hold more. */
export const DEFAULT_PDF_CACHE_MAX_FILES = 8;

/** A job's hold on a document's local PDF: the file stays until every holder has released it. */
export type PdfLease = {
  readonly file: string;
  /** Idempotent; never throws (housekeeping problems are reported through `onHousekeepingError`). */
  release(): Promise<void>;
};

type Entry = {
  /** Resolves to the local path once the download has finished. */
  ready: Promise<string>;
  holders: number;
  lastReleased: number;
  /** Drop requested while held: the file goes when the last holder releases it. */
  dropped: boolean;
};

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException | null)?.code === "ENOENT";

/**
 * Page jobs of one document share a local copy of its PDF instead of downloading it per page.
 * Each job `acquire`s the file and releases the lease in `finally`; only files nobody holds are evicted
 * (least recently released first, down to `maxFiles`) or dropped. What this cache knows lives in memory, one
 * worker process per folder, so housekeeping never lists or stats the folder; a file that vanished anyway (a
 * tmp cleaner) is downloaded again, and removing what is already gone is not an error. Housekeeping never
 * fails the job that triggered it.
 */
export function createPdfCache(
  storage: Storage,
  opts: { dir?: string; maxFiles?: number; onHousekeepingError?: (error: unknown, file: string) => void } = {},
) {
  const maxFiles = opts.maxFiles ?? DEFAULT_PDF_CACHE_MAX_FILES;
  const report = opts.onHousekeepingError ?? (() => {});
  const entries = new Map<string, Entry>();
  const stats = { downloads: 0, evictions: 0 };
  let folder: Promise<string> | undefined;
  let generation = 0;

  // A folder of its own (not one named by pid: containers reuse pids), made on first use.
  const dir = () =>
    (folder ??= (opts.dir ? mkdir(opts.dir, { recursive: true }).then(() => opts.dir!) : mkdtemp(path.join(os.tmpdir(), "pagewise-pdf-"))).catch(
      (error: unknown) => {
        folder = undefined;
        throw error;
      },
    ));

  async function download(documentId: string, objectKey: string): Promise<string> {
    const root = await dir();
    // A name per download: removing an entry's file can never hit the file of a newer entry of the same document.
    const target = path.join(root, `${documentId}-${++generation}.pdf`);
    const partial = `${target}.part`;
    try {
      const body = await getObjectStream(storage, objectKey);
      await mkdir(root, { recursive: true }); // the folder itself may have been cleaned away
      await pipeline(body as Readable, createWriteStream(partial));
      await rename(partial, target);
    } catch (error) {
      await remove(partial);
      throw error;
    }
    stats.downloads += 1;
    return target;
  }

  async function remove(file: string) {
    try {
      await rm(file, { force: true });
    } catch (error) {
      if (!isMissing(error)) report(error, file);
    }
  }

  async function removeEntry(documentId: string, entry: Entry) {
    entries.delete(documentId);
    const file = await entry.ready.catch(() => null);
    if (file) await remove(file);
  }

  async function evictIdle() {
    // Check and removal from the map happen in one synchronous step, so a job acquiring meanwhile gets a new entry.
    while (entries.size > maxFiles) {
      let oldest: [string, Entry] | undefined;
      for (const item of entries) if (item[1].holders === 0 && (!oldest || item[1].lastReleased < oldest[1].lastReleased)) oldest = item;
      if (!oldest) return;
      stats.evictions += 1;
      await removeEntry(...oldest);
    }
  }

  function start(documentId: string, objectKey: string): Entry {
    const entry: Entry = { ready: download(documentId, objectKey), holders: 0, lastReleased: 0, dropped: false };
    entry.ready.catch(() => {
      // A failed download is not kept: the next acquire tries again.
      if (entries.get(documentId) === entry) entries.delete(documentId);
    });
    entries.set(documentId, entry);
    return entry;
  }

  return {
    /**
     * Holds the document's PDF, downloading it once for all concurrent holders. Rejects only when the
     * download itself fails (storage unreachable, object missing): that is the job's own failure.
     */
    async acquire(documentId: string, objectKey: string): Promise<PdfLease> {
      let entry = entries.get(documentId) ?? start(documentId, objectKey);
      entry.holders += 1;
      entry.dropped = false;
      let file: string;
      try {
        const seen = entry.ready;
        file = await seen;
        const present = await stat(file).then(
          () => true,
          (error: unknown) => (isMissing(error) ? false : Promise.reject(error)),
        );
        if (!present) {
          // Removed behind our back: fetch it again, once, for everyone who holds it now.
          if (entry.ready === seen) entry.ready = download(documentId, objectKey);
          file = await entry.ready;
        }
      } catch (error) {
        entry.holders -= 1;
        if (entry.holders === 0 && entries.get(documentId) === entry) entries.delete(documentId);
        throw error;
      }

      let released = false;
      return {
        file,
        async release() {
          if (released) return;
          released = true;
          entry.holders -= 1;
          entry.lastReleased = performance.now();
          try {
            if (entry.holders === 0 && entry.dropped && entries.get(documentId) === entry) await removeEntry(documentId, entry);
            await evictIdle();
          } catch (error) {
            report(error, file);
          }
        },
      };
    },
    /** The document has ended: its file goes now, or when its last holder releases it. */
    async drop(documentId: string) {
      const entry = entries.get(documentId);
      if (!entry) return;
      if (entry.holders > 0) entry.dropped = true;
      else await removeEntry(documentId, entry).catch((error: unknown) => report(error, documentId));
    },
    /** Files known to the cache and how many jobs hold each (for tests and logs). */
    snapshot() {
      return { ...stats, files: [...entries].map(([documentId, e]) => ({ documentId, holders: e.holders })) };
    },
    async clear() {
      const current = folder;
      entries.clear();
      folder = undefined;
      if (!current) return;
      const root = await current.catch(() => null);
      if (root) await rm(root, { recursive: true, force: true }).catch((error: unknown) => report(error, root));
    },
  };
}

export type PdfCache = ReturnType<typeof createPdfCache>;
