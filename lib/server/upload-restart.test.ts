import type { JobHelpers } from "graphile-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDocument } from "../../db/documents";
import { createLogger } from "../logger";
import { headObject } from "../s3";
import { buildDocument } from "../../scripts/fixtures/test-pdf";
import { testContext, waitForDocument } from "../../scripts/test/context";
import { createTestDatabase } from "../../scripts/test/databases";
import { startWorker, type StartedWorker } from "../../worker/start";
import { uploadsExpire } from "../../worker/tasks/uploads__expire";
import { completeUpload, createUpload } from "./uploads";

/**
 * The web process restarts in the middle of an upload. Its own database: the expiry task fails every overdue
 * upload it can see, and must not see other test files' rows.
 */
const SCHEMA = "q_upload_restart";
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let worker: StartedWorker | undefined;
const contexts: ReturnType<typeof testContext>[] = [];

/** A web process: its own connections to Postgres, storage and the queue. */
function webProcess(overrides: Record<string, string> = {}) {
  const ctx = testContext({ DATABASE_URL: database.url, QUEUE_SCHEMA: SCHEMA, ...overrides });
  contexts.push(ctx);
  return ctx;
}

const put = (upload: { url: string; headers: Record<string, string> }, bytes: Uint8Array) =>
  fetch(upload.url, { method: "PUT", headers: upload.headers, body: new Uint8Array(bytes) });

beforeAll(async () => {
  database = await createTestDatabase("upload_restart");
});
afterAll(async () => {
  await worker?.stop();
  for (const ctx of contexts) await ctx.close().catch(() => {});
  await database?.drop();
});

describe("web process restarts during an upload", () => {
  it("an upload created before the restart is put and completed after it, and processed to the end", async () => {
    const before = webProcess();
    const bytes = buildDocument(2);
    const { document, upload } = await createUpload(before, { filename: "restart.pdf", sizeBytes: bytes.length, contentType: "application/pdf" });
    await before.close(); // the web process goes away; the browser still holds the presigned URL

    expect((await put(upload, bytes)).ok).toBe(true);
    const after = webProcess();
    const queued = await completeUpload({ ...after, queue: await after.queue() }, document.id);
    expect(queued).toMatchObject({ id: document.id, status: "queued" });

    worker = await startWorker({ env: after.env, logger: createLogger("upload-restart-worker") });
    const { doc } = await waitForDocument(after, document.id, 60_000);
    expect(doc).toMatchObject({ status: "done", pagesDone: 2 });
  });

  it("an upload never completed is failed by the expiry task with a reason, its object deleted; a fresh one is left alone", async () => {
    const web = webProcess({ UPLOAD_EXPIRY_MINUTES: "1" });
    const bytes = buildDocument(1);
    const abandoned = await createUpload(web, { filename: "abandoned.pdf", sizeBytes: bytes.length, contentType: "application/pdf" });
    expect((await put(abandoned.upload, bytes)).ok).toBe(true); // the bytes arrived, the completion never did
    const fresh = await createUpload(webProcess(), { filename: "fresh.pdf", sizeBytes: bytes.length, contentType: "application/pdf" });
    expect((await put(fresh.upload, bytes)).ok).toBe(true);

    const expire = uploadsExpire({ db: web.db, storage: web.storage, logger: createLogger("test-expire") }, () => new Date(Date.now() + 2 * 60_000));
    const helpers = { job: { id: "test" } } as unknown as JobHelpers;
    // Not yet overdue at the real time: nothing happens.
    await uploadsExpire({ db: web.db, storage: web.storage, logger: createLogger("test-expire") })({}, helpers);
    expect(await getDocument(web.db, abandoned.document.id)).toMatchObject({ status: "uploading" });

    await expire({}, helpers); // two minutes later
    const failed = await getDocument(web.db, abandoned.document.id);
    expect(failed).toMatchObject({ status: "failed", errorCode: "upload_expired" });
    expect(failed!.errorMessage).toMatch(/not completed in time.*upload the file again/);
    expect(failed!.finishedAt).not.toBeNull();
    expect(await headObject(web.storage, abandoned.document.objectKey)).toBeNull();
    // A browser that comes back late cannot revive it.
    expect(await completeUpload({ ...web, queue: await web.queue() }, abandoned.document.id)).toMatchObject({ status: "failed" });

    expect(await getDocument(web.db, fresh.document.id)).toMatchObject({ status: "uploading" });
    expect((await headObject(web.storage, fresh.document.objectKey))?.size).toBe(bytes.length);
    expect(await completeUpload({ ...web, queue: await web.queue() }, fresh.document.id)).toMatchObject({ status: "queued" });
  });
});
