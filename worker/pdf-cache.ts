import { createWriteStream } from "node:fs";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { getObjectStream, type Storage } from "../lib/s3";

/**
 * Page jobs of one document share a local copy of its PDF instead of downloading it per page.
 * Files are dropped when the document ends and the cache is capped to `maxFiles`.
 */
export function createPdfCache(storage: Storage, opts: { dir?: string; maxFiles?: number } = {}) {
  const dir = opts.dir ?? path.join(os.tmpdir(), `pagewise-pdf-${process.pid}`);
  const maxFiles = opts.maxFiles ?? 8;
  const inflight = new Map<string, Promise<string>>();

  const fileFor = (documentId: string) => path.join(dir, `${documentId}.pdf`);

  async function download(documentId: string, objectKey: string): Promise<string> {
    await mkdir(dir, { recursive: true });
    const target = fileFor(documentId);
    const partial = `${target}.${process.hrtime.bigint()}.part`;
    const body = await getObjectStream(storage, objectKey);
    await pipeline(body as Readable, createWriteStream(partial));
    await rename(partial, target);
    await evict(target);
    return target;
  }

  async function evict(keep: string) {
    const names = (await readdir(dir)).filter((n) => n.endsWith(".pdf"));
    if (names.length <= maxFiles) return;
    const files = await Promise.all(
      names.map(async (n) => ({ file: path.join(dir, n), mtime: (await stat(path.join(dir, n))).mtimeMs })),
    );
    files.sort((a, b) => a.mtime - b.mtime);
    for (const { file } of files.slice(0, files.length - maxFiles)) if (file !== keep) await rm(file, { force: true });
  }

  return {
    /** Local path of the document's PDF, downloading it once. */
    async get(documentId: string, objectKey: string): Promise<string> {
      const file = fileFor(documentId);
      try {
        await stat(file);
        return file;
      } catch {
        // not cached yet
      }
      let pending = inflight.get(documentId);
      if (!pending) {
        pending = download(documentId, objectKey).finally(() => inflight.delete(documentId));
        inflight.set(documentId, pending);
      }
      return pending;
    },
    async drop(documentId: string) {
      await rm(fileFor(documentId), { force: true });
    },
    async clear() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export type PdfCache = ReturnType<typeof createPdfCache>;
