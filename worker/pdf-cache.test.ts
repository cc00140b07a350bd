import { randomBytes, randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { putObject } from "../lib/s3";
import { testContext } from "../scripts/test/context";
import { createPdfCache, type PdfCache } from "./pdf-cache";

/** The cache with real files and the real S3 protocol (the local store of the test setup). */
const ctx = testContext();
afterAll(async () => {
  for (const c of caches) await c.clear();
  await ctx.close();
});

type Doc = { id: string; key: string; bytes: Buffer };
async function storedDoc(): Promise<Doc> {
  const id = randomUUID();
  const bytes = Buffer.concat([Buffer.from("%PDF-1.7\n"), randomBytes(20_000 + Math.floor(Math.random() * 20_000))]);
  const key = `pdf-cache-test/${id}.pdf`;
  await putObject(ctx.storage, key, bytes, "application/pdf");
  return { id, key, bytes };
}

const exists = (file: string) => stat(file).then(() => true, () => false);
let dir: string;
let caches: PdfCache[] = [];
let reported: unknown[] = [];
function cache(maxFiles: number) {
  const c = createPdfCache(ctx.storage, { dir, maxFiles, onHousekeepingError: (error) => reported.push(error) });
  caches.push(c);
  return c;
}
const pdfsOnDisk = async () => (await readdir(dir).catch(() => [])).filter((n) => n.endsWith(".pdf"));

beforeEach(async () => {
  for (const c of caches) await c.clear();
  caches = [];
  reported = [];
  dir = await mkdtemp(path.join(os.tmpdir(), "pdf-cache-test-"));
});

describe("pdf cache", () => {
  it("downloads a document once for concurrent holders, and each holder reads the stored bytes", async () => {
    const c = cache(4);
    const doc = await storedDoc();
    const leases = await Promise.all([1, 2, 3].map(() => c.acquire(doc.id, doc.key)));
    expect(new Set(leases.map((l) => l.file)).size).toBe(1);
    expect(await readFile(leases[0]!.file)).toEqual(doc.bytes);
    expect(c.snapshot()).toMatchObject({ downloads: 1, files: [{ documentId: doc.id, holders: 3 }] });
    for (const l of leases) await l.release();
    expect(c.snapshot().files).toEqual([{ documentId: doc.id, holders: 0 }]);
  });

  it("never evicts a file a job holds; idle files go least recently released first, down to the cap", async () => {
    const c = cache(1);
    const [a, b, d] = await Promise.all([storedDoc(), storedDoc(), storedDoc()]);
    const held = await c.acquire(a.id, a.key);
    const other = await c.acquire(b.id, b.key);
    await other.release();
    // Over the cap: the only idle file (b) goes, the held one stays.
    expect(await exists(held.file)).toBe(true);
    expect(await exists(other.file)).toBe(false);
    expect(await readFile(held.file)).toEqual(a.bytes);

    const third = await c.acquire(d.id, d.key);
    expect(await exists(held.file)).toBe(true);
    await held.release();
    // a is idle now and the cap is 1 while d is held: a goes.
    expect(await exists(held.file)).toBe(false);
    await third.release();
    expect(await exists(third.file)).toBe(true);
    expect(await pdfsOnDisk()).toEqual([path.basename(third.file)]);
    expect(reported).toEqual([]);
  });

  it("drop while held removes the file when the last holder releases it; an idle file is removed at once", async () => {
    const c = cache(8);
    const doc = await storedDoc();
    const [first, second] = await Promise.all([c.acquire(doc.id, doc.key), c.acquire(doc.id, doc.key)]);
    await c.drop(doc.id);
    expect(await readFile(first.file)).toEqual(doc.bytes);
    await first.release();
    await first.release(); // twice is once
    expect(await exists(second.file)).toBe(true);
    await second.release();
    expect(await exists(second.file)).toBe(false);
    expect(c.snapshot().files).toEqual([]);

    const again = await c.acquire(doc.id, doc.key);
    await again.release();
    expect(await exists(again.file)).toBe(true);
    await c.drop(doc.id);
    expect(await exists(again.file)).toBe(false);
    expect(c.snapshot().downloads).toBe(2);
  });

  it("tolerates files and the folder vanishing under it: downloads again, and housekeeping does not fail", async () => {
    const c = cache(1);
    const [a, b] = await Promise.all([storedDoc(), storedDoc()]);
    const first = await c.acquire(a.id, a.key);
    await first.release();
    await rm(first.file);
    const second = await c.acquire(a.id, a.key);
    expect(await readFile(second.file)).toEqual(a.bytes);
    expect(c.snapshot().downloads).toBe(2);

    await rm(dir, { recursive: true });
    await expect(second.release()).resolves.toBeUndefined();
    const other = await c.acquire(b.id, b.key); // the folder is made again
    expect(await readFile(other.file)).toEqual(b.bytes);
    await rm(other.file);
    await expect(other.release()).resolves.toBeUndefined(); // evicts a's file, already gone
    await expect(c.drop(b.id)).resolves.toBeUndefined();
    await rm(dir, { recursive: true });
    await expect(c.clear()).resolves.toBeUndefined();
    expect(reported).toEqual([]);
  });

  it("a housekeeping error is reported, never thrown at the job that released its lease", async () => {
    const c = cache(8);
    const doc = await storedDoc();
    const lease = await c.acquire(doc.id, doc.key);
    // Something that cannot be removed as a file where the file was.
    await rm(lease.file);
    await mkdir(lease.file);
    await writeFile(path.join(lease.file, "x"), "x");
    await c.drop(doc.id);
    await expect(lease.release()).resolves.toBeUndefined();
    expect(reported).toHaveLength(1);
  });

  it("a failed download fails only that acquire and is not kept: the next acquire downloads", async () => {
    const c = cache(8);
    const id = randomUUID();
    const key = `pdf-cache-test/${id}.pdf`;
    await expect(c.acquire(id, key)).rejects.toThrow();
    expect(c.snapshot().files).toEqual([]);
    expect(await pdfsOnDisk()).toEqual([]);
    const bytes = Buffer.from("%PDF-1.7\nlate\n");
    await putObject(ctx.storage, key, bytes, "application/pdf");
    const lease = await c.acquire(id, key);
    expect(await readFile(lease.file)).toEqual(bytes);
    await lease.release();
  });

  it("under random interleavings of acquire, release, drop and outside deletions, every holder reads its own document", async () => {
    const c = cache(2);
    const docs = await Promise.all(Array.from({ length: 6 }, () => storedDoc()));
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pause = () => new Promise((r) => setTimeout(r, Math.floor(random() * 4)));
    const mismatches: string[] = [];

    async function job(n: number) {
      const doc = docs[Math.floor(random() * docs.length)]!;
      const lease = await c.acquire(doc.id, doc.key);
      try {
        for (let read = 0; read < 3; read++) {
          await pause();
          const bytes = await readFile(lease.file).catch((e: NodeJS.ErrnoException) => e.code ?? "error");
          if (!(bytes instanceof Buffer) || !bytes.equals(doc.bytes)) mismatches.push(`job ${n}: ${bytes instanceof Buffer ? "other bytes" : bytes}`);
        }
      } finally {
        await lease.release();
      }
      if (random() < 0.2) await c.drop(docs[Math.floor(random() * docs.length)]!.id);
    }

    // Jobs in waves of 6 at once (a worker's concurrency), 60 in all.
    for (let wave = 0; wave < 10; wave++) {
      await Promise.all(Array.from({ length: 6 }, (_, i) => job(wave * 6 + i)));
      if (wave === 4) {
        // A tmp cleaner removes whatever is idle on disk; the next holders download again.
        const idle = new Set(c.snapshot().files.filter((f) => f.holders === 0).map((f) => f.documentId));
        for (const name of await pdfsOnDisk()) if ([...idle].some((id) => name.startsWith(id))) await rm(path.join(dir, name));
      }
    }
    expect(mismatches).toEqual([]);
    expect(reported).toEqual([]);
    const { files } = c.snapshot();
    expect(files.length).toBeLessThanOrEqual(2);
    expect(files.every((f) => f.holders === 0)).toBe(true);
    // Nothing left behind on disk that the cache does not know of (files removed outside may be missing).
    for (const name of await pdfsOnDisk()) expect(files.some((f) => name.startsWith(f.documentId))).toBe(true);
    expect((await readdir(dir)).filter((n) => n.endsWith(".part"))).toEqual([]);
  });
});
