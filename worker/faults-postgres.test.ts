import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEventHub } from "../lib/server/event-hub";
import { documentEventStream } from "../lib/server/stream";
import { completeUpload, createUpload } from "../lib/server/uploads";
import { buildDocument } from "../scripts/fixtures/test-pdf";
import { testContext, uploadPdf, waitFor, waitForDocument } from "../scripts/test/context";
import { dedicatedPostgres } from "../scripts/test/databases";
import { sseReader, type SseFrame } from "../scripts/test/sse";

/**
 * Postgres restarts under a running worker process and a web side (its event hub and SSE streams, as the
 * route uses them). The Postgres is this test's own: the others share the global one.
 */
const SCHEMA = "q_faults_pg";
const root = path.resolve(import.meta.dirname, "..");
let pg: Awaited<ReturnType<typeof dedicatedPostgres>>;
let ctx: ReturnType<typeof testContext>;
let child: ChildProcess | undefined;
let output = "";

beforeAll(async () => {
  pg = await dedicatedPostgres();
  ctx = testContext({ DATABASE_URL: pg.url, QUEUE_SCHEMA: SCHEMA });
  await ctx.queue();
});
afterAll(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  await ctx?.close().catch(() => {});
  await pg?.remove();
});

/**
 * What EventSource does: reads the stream, and when it ends or fails before the document has, reconnects
 * with the last id it saw (after a pause, as browsers do).
 */
function browser(documentId: string, hub: ReturnType<typeof createEventHub>) {
  const frames: SseFrame[] = [];
  let reconnects = 0;
  let stopped = false;
  const abort = new AbortController();
  const ended = () => frames.some((f) => (f.event.type === "snapshot" || f.event.type === "status") && ["done", "failed", "cancelled"].includes(f.event.document.status));
  const done = (async () => {
    while (!stopped && !ended()) {
      const lastId = frames.at(-1)?.id ?? null;
      try {
        const frames$ = sseReader(documentEventStream({ db: ctx.db, hub }, documentId, lastId, abort.signal));
        for (let f = await frames$.next(); f; f = await frames$.next()) frames.push(f);
      } catch {
        // the connection failed: EventSource reports an error and retries
      }
      if (stopped || ended()) break;
      reconnects++;
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  return {
    frames,
    reconnects: () => reconnects,
    done,
    close() {
      stopped = true;
      abort.abort();
    },
  };
}

function startWorkerProcess() {
  output = "";
  child = spawn(process.execPath, ["--import", "./worker/resolve-ts.ts", "worker/index.ts"], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: pg.url, QUEUE_SCHEMA: SCHEMA, LOG_LEVEL: "info", NODE_ENV: "test", WORKER_DEAD_AFTER_MS: "3000" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const running = child;
  return new Promise<number | null>((resolve) => running.on("exit", (code) => resolve(code)));
}

/** Shows the worker's log when a test fails. */
async function withWorkerLog(fn: () => Promise<void>) {
  try {
    await fn();
  } catch (error) {
    console.log(output);
    throw error;
  }
}

describe("Postgres restart", () => {
  it("worker and web side reconnect by themselves; an SSE client opened before the restart sees the pages done after it", async () => {
    const exited = startWorkerProcess();

    const before = await uploadPdf(ctx, buildDocument(1), "before.pdf");
    expect((await waitForDocument(ctx, before.id)).doc).toMatchObject({ status: "done" });

    // A document whose upload is under way, watched by a client, when Postgres goes down.
    const bytes = buildDocument(3);
    const { document, upload } = await createUpload(ctx, { filename: "after.pdf", sizeBytes: bytes.length, contentType: "application/pdf" });
    const hub = createEventHub(ctx.sql);
    const client = browser(document.id, hub);
    await waitFor(async () => client.frames.length > 0, { what: "the snapshot" });
    expect(client.frames[0]!.event).toMatchObject({ type: "snapshot", document: { status: "uploading" } });

    await pg.stop();
    await new Promise((r) => setTimeout(r, 3_000)); // long enough for every client to notice and fail to reconnect
    await pg.start();

    const put = await fetch(upload.url, { method: "PUT", headers: upload.headers, body: new Uint8Array(bytes) });
    expect(put.ok).toBe(true);
    // The web side's first queries after the restart may meet connections Postgres closed; a browser retries.
    const queue = await ctx.queue();
    const queued = await waitFor(() => completeUpload({ ...ctx, queue }, document.id).catch(() => null), {
      what: "the upload to complete",
      timeoutMs: 20_000,
    });
    expect(queued.status).toBe("queued");

    await withWorkerLog(async () => {
      const { doc } = await waitForDocument(ctx, document.id, 60_000);
      expect(doc).toMatchObject({ status: "done", pagesDone: 3 });
      expect(child!.exitCode).toBeNull(); // the same worker process, never restarted
    });

    await Promise.race([client.done, new Promise((_, reject) => setTimeout(() => reject(new Error(`SSE client saw only ${JSON.stringify(client.frames.map((f) => f.event.type))}`)), 20_000))]);
    client.close();
    const pagesSeen = client.frames.flatMap((f) => (f.event.type === "page" && f.event.page.status === "done" ? [f.event.page.pageNumber] : []));
    expect(new Set(pagesSeen)).toEqual(new Set([1, 2, 3]));
    expect(client.frames.at(-1)!.event).toMatchObject({ type: "status", document: { status: "done" } });
    const ids = client.frames.map((f) => f.id);
    expect(new Set(ids.slice(1)).size).toBe(ids.length - 1); // nothing delivered twice across reconnects

    child!.kill("SIGTERM");
    expect(await exited).toBe(0);
  }, 150_000);

  it("a restart while pages are being processed: the worker keeps running and the document still finishes", async () => {
    const exited = startWorkerProcess();
    const doc = await uploadPdf(ctx, buildDocument(12), "during.pdf");
    await waitFor(async () => /page done/.test(output), { what: "a page done" });
    await pg.stop();
    await new Promise((r) => setTimeout(r, 3_000));
    await pg.start();
    await withWorkerLog(async () => {
      // Before the fix the worker process died here: Graphile Worker's un-awaited job release rejected unhandled.
      const { doc: done } = await waitForDocument(ctx, doc.id, 90_000);
      expect(done).toMatchObject({ status: "done", pageCount: 12, pagesDone: 12, pagesFailed: 0 });
      expect(child!.exitCode).toBeNull();
    });
    child!.kill("SIGTERM");
    expect(await exited).toBe(0);
  }, 150_000);
});
