import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../lib/logger";
import { jobKeys } from "../lib/jobs";
import { buildDocument } from "../scripts/fixtures/test-pdf";
import { testContext, uploadPdf, waitForDocument } from "../scripts/test/context";
import { createTestDatabase, dedicatedS3 } from "../scripts/test/databases";
import { startWorker, type StartedWorker } from "./start";

/**
 * The storage goes away under a running worker: a store of this test's own is stopped (connections refused,
 * through the real S3 protocol), then started again on the same port with the same data.
 */
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let store: Awaited<ReturnType<typeof dedicatedS3>>;
let ctx: ReturnType<typeof testContext>;
let worker: StartedWorker | undefined;

beforeAll(async () => {
  database = await createTestDatabase("faults_storage");
  store = await dedicatedS3();
  ctx = testContext({ DATABASE_URL: database.url, ...store.env, QUEUE_SCHEMA: "q_faults_storage", WORKER_CONCURRENCY: "2" });
  await ctx.queue();
});
afterAll(async () => {
  await worker?.stop();
  await ctx?.close();
  await store?.remove();
  await database?.drop();
});

describe("storage unavailable", () => {
  it("retries with growing delays, then fails the document with a storage reason; the same worker completes the next one once the store is back", async () => {
    const doc = await uploadPdf(ctx, buildDocument(1), "while-storage-is-down.pdf");
    expect(doc.status).toBe("queued");
    // The document job allows 5 attempts (about 90 s of backoff); replacing it by its key keeps the test short,
    // and its first run waits until the worker's events below are watched.
    const queue = await ctx.queue();
    const runAt = new Date(Date.now() + 1_000);
    await queue.addJob("document__process", { documentId: doc.id }, { jobKey: jobKeys.document(doc.id), maxAttempts: 3, runAt });
    await store.stop();

    worker = await startWorker({ env: ctx.env, logger: createLogger("faults-storage-worker") });
    const starts: { at: number; attempts: number }[] = [];
    let errors = 0;
    worker.runner.events.on("job:start", ({ job }) => {
      if (job.key === jobKeys.document(doc.id)) starts.push({ at: Date.now(), attempts: job.attempts });
    });
    worker.runner.events.on("job:error", ({ job }) => {
      if (job.key === jobKeys.document(doc.id)) errors++;
    });

    const { doc: failed } = await waitForDocument(ctx, doc.id, 50_000);
    expect(failed).toMatchObject({ status: "failed", errorCode: "storage_unavailable" });
    expect(failed.errorMessage).toMatch(/file storage could not be reached/);
    expect(failed.errorMessage).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);

    expect(starts.map((s) => s.attempts)).toEqual([1, 2, 3]);
    expect(errors).toBe(2); // the third attempt gave up on purpose: it failed the document and ended the job
    const [first, second] = [starts[1]!.at - starts[0]!.at, starts[2]!.at - starts[1]!.at];
    // Graphile Worker waits e^attempts seconds: about 2.7 s, then 7.4 s.
    expect(first).toBeGreaterThanOrEqual(2_500);
    expect(second).toBeGreaterThanOrEqual(7_000);
    expect(second).toBeGreaterThan(first);

    await store.start();
    const next = await uploadPdf(ctx, buildDocument(2), "after-storage-is-back.pdf");
    const { doc: done } = await waitForDocument(ctx, next.id, 60_000);
    expect(done).toMatchObject({ status: "done", pagesDone: 2, pagesFailed: 0 });
  }, 90_000);
});
