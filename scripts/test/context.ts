import { makeWorkerUtils, type WorkerUtils } from "graphile-worker";
import { createDb } from "../../db/client";
import { parseEnv, type Env } from "../../lib/env";
import { createStorage } from "../../lib/s3";

/** What integration tests share: the services the global setup started, reached like the app does. */
export function testContext(overrides: Record<string, string> = {}) {
  const env: Env = parseEnv({ ...process.env, ...overrides });
  const { db, sql } = createDb(env.DATABASE_URL!, { max: 5 });
  const storage = createStorage(env);
  let queue: WorkerUtils | undefined;
  return {
    env,
    db,
    sql,
    storage,
    async queue() {
      if (!queue) {
        queue = await makeWorkerUtils({ connectionString: env.DATABASE_URL!, schema: env.QUEUE_SCHEMA });
        await queue.migrate();
      }
      return queue;
    },
    async close() {
      await queue?.release();
      await sql.end({ timeout: 5 });
      storage.client.destroy();
    },
  };
}

/** Polls until `check` returns a value (not a fixed sleep): the condition, not the clock, ends the wait. */
export async function waitFor<T>(check: () => Promise<T | null | undefined | false>, opts: { timeoutMs?: number; what?: string; intervalMs?: number } = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${opts.what ?? "condition"}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
}

/** Uploads bytes the way the browser does: create upload, PUT to the presigned URL, complete. */
export async function uploadPdf(ctx: ReturnType<typeof testContext>, bytes: Uint8Array, filename = "test.pdf", opts: { model?: string } = {}) {
  const { createUpload, completeUpload } = await import("../../lib/server/uploads");
  const { document, upload } = await createUpload(ctx, { filename, sizeBytes: bytes.length, contentType: "application/pdf", model: opts.model });
  const put = await fetch(upload.url, { method: "PUT", headers: upload.headers, body: new Uint8Array(bytes) });
  if (!put.ok) throw new Error(`upload PUT failed: ${put.status} ${await put.text()}`);
  return completeUpload({ ...ctx, queue: await ctx.queue() }, document.id);
}

/** Waits until the document reaches one of the final states and returns it with its pages. */
export async function waitForDocument(ctx: ReturnType<typeof testContext>, id: string, timeoutMs = 120_000, intervalMs?: number) {
  const { getDocument, listPages } = await import("../../db/documents");
  const doc = await waitFor(
    async () => {
      const d = await getDocument(ctx.db, id);
      return d && ["done", "failed", "cancelled"].includes(d.status) ? d : null;
    },
    { timeoutMs, intervalMs, what: `document ${id} to finish` },
  );
  return { doc, pages: await listPages(ctx.db, id) };
}

/** How many times each page of a document was completed (`done` page events in its event log), by page number. */
export async function pageCompletions(ctx: ReturnType<typeof testContext>, documentId: string): Promise<Map<number, number>> {
  const rows = await ctx.sql<{ page: number; n: number }[]>`
    select (payload->>'pageNumber')::int as page, count(*)::int as n from document_events
    where document_id = ${documentId} and type = 'page' and payload->>'status' = 'done'
    group by 1 order by 1`;
  return new Map(rows.map((r) => [r.page, r.n]));
}
