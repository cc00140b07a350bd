import type { WorkerEvents } from "graphile-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../lib/logger";
import { buildDocument } from "../scripts/fixtures/test-pdf";
import { testContext, uploadPdf, waitForDocument } from "../scripts/test/context";
import { createTestDatabase } from "../scripts/test/databases";
import { recordFailedAttempts } from "../scripts/test/failed-attempts";
import { startWorker, type StartedWorker } from "./start";

/**
 * Issue 14: a burst of documents through the real queue, several jobs at once and a cache smaller than the
 * burst, must not cost a single failed job attempt (retries used to hide the cache deleting files in use).
 * Every failed attempt is caught where Graphile Worker records it (`recordFailedAttempts`: a trigger on its
 * jobs table), so attempts of jobs that later succeeded (and were deleted) still count.
 */
const SCHEMA = "q_pdf_burst";
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let ctx: ReturnType<typeof testContext>;
let worker: StartedWorker | undefined;
let attempts: Awaited<ReturnType<typeof recordFailedAttempts>>;
const failedEvents: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase("pdf_cache_burst");
  ctx = testContext({ DATABASE_URL: database.url, QUEUE_SCHEMA: SCHEMA, WORKER_CONCURRENCY: "4", PDF_CACHE_MAX_FILES: "1" });
  await ctx.queue();
  attempts = await recordFailedAttempts(ctx.sql, SCHEMA);
  worker = await startWorker({ env: ctx.env, logger: createLogger("burst-worker") });
  const events: WorkerEvents = worker.runner.events;
  events.on("job:failed", ({ job, error }) => failedEvents.push(`${job.task_identifier} ${job.id}: ${String(error)}`));
});
afterAll(async () => {
  await worker?.stop();
  await ctx?.close();
  await database?.drop();
});

describe("a burst of documents with a small PDF cache", () => {
  it("every document done, and zero failed job attempts in the queue", async () => {
    const count = 24;
    const docs = await Promise.all(
      Array.from({ length: count }, (_, i) => uploadPdf(ctx, buildDocument(1 + (i % 3)), `burst-${i}.pdf`)),
    );
    const results = await Promise.all(docs.map((d) => waitForDocument(ctx, d.id, 300_000)));
    for (const [i, { doc }] of results.entries()) {
      expect(doc, `document ${i}`).toMatchObject({ status: "done", pageCount: 1 + (i % 3), pagesDone: 1 + (i % 3), pagesFailed: 0 });
    }

    expect(await attempts.list()).toEqual([]);
    expect(failedEvents).toEqual([]);
    // Nothing is waiting for a retry either.
    const [left] = await ctx.sql<{ n: number }[]>`select count(*)::int as n from ${ctx.sql(SCHEMA)}._private_jobs where attempts > 0 and last_error is not null`;
    expect(left!.n).toBe(0);
    // The cap held once the burst was over: nothing held, at most one idle file.
    const { files } = worker!.deps.pdfCache.snapshot();
    expect(files.length).toBeLessThanOrEqual(1);
    expect(files.every((f) => f.holders === 0)).toBe(true);
  }, 360_000);
});
