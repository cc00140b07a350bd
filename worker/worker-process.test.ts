import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detections, pages } from "../db/schema";
import { eq, sql } from "drizzle-orm";
import { buildDocument } from "../scripts/fixtures/test-pdf";
import { pageCompletions, testContext, uploadPdf, waitFor, waitForDocument } from "../scripts/test/context";
import { workerProcesses } from "../scripts/test/worker-process";

/**
 * The real worker process (`node --import ./worker/resolve-ts.ts worker/index.ts`), fed by jobs the web side adds:
 * the way it runs in production, killed the way machines kill it.
 */
const SCHEMA = "q_process";
const ctx = testContext({ QUEUE_SCHEMA: SCHEMA });
const workers = workerProcesses();

const startWorkerProcess = () => workers.start({ QUEUE_SCHEMA: SCHEMA });

beforeAll(() => ctx.queue());
afterAll(async () => {
  workers.killAll();
  await ctx.close();
});

describe("worker process", () => {
  it("runs jobs added from the web side and stops cleanly on SIGTERM", async () => {
    const w = startWorkerProcess();
    const doc = await uploadPdf(ctx, buildDocument(2), "two.pdf");
    const { doc: done } = await waitForDocument(ctx, doc.id);
    expect(done).toMatchObject({ status: "done", pagesDone: 2 });
    expect(w.output()).toMatch(/worker ready/);
    expect(w.output()).toMatch(new RegExp(`page done.*documentId=${doc.id}`));
    w.child.kill("SIGTERM");
    expect(await w.exited).toBe(0);
    expect(w.output()).toMatch(/stopped/);
  }, 120_000);

  it("after a SIGKILL mid-document, a new worker releases the dead one's jobs and finishes every page exactly once", async () => {
    const first = startWorkerProcess();
    const doc = await uploadPdf(ctx, buildDocument(16), "sixteen.pdf");
    await waitFor(
      async () => {
        const [row] = await ctx.db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(pages).where(sql`${pages.documentId} = ${doc.id} and ${pages.status} = 'done'`);
        return (row?.n ?? 0) >= 3;
      },
      { what: "three pages done" },
    );
    first.child.kill("SIGKILL");
    await first.exited;

    const second = startWorkerProcess();
    const { doc: done, pages: rows } = await waitForDocument(ctx, doc.id, 180_000);
    expect(done).toMatchObject({ status: "done", pageCount: 16, pagesDone: 16, pagesFailed: 0 });
    expect(rows.map((p) => p.status)).toEqual(Array(16).fill("done"));
    for (const page of rows) {
      const n = await ctx.db.select({ id: detections.id }).from(detections).where(eq(detections.pageId, page.id));
      expect(n.length, `page ${page.pageNumber}`).toBe(page.detectionCount);
    }
    // Detections are replaced on every run, so count the runs: each page completed once, and only the
    // pages in flight when the first worker died were started a second time.
    const completions = await pageCompletions(ctx, doc.id);
    expect([...completions.entries()]).toEqual(Array.from({ length: 16 }, (_, i) => [i + 1, 1]));
    const restarted = rows.filter((p) => p.attempts > 1);
    expect(rows.every((p) => p.attempts >= 1 && p.attempts <= 2)).toBe(true);
    expect(restarted.length).toBeLessThanOrEqual(ctx.env.WORKER_CONCURRENCY);
    // Graphile Worker alone would keep the dead worker's jobs locked for 4 hours.
    expect(second.output()).toMatch(/released jobs of workers that stopped without unlocking them/);
    second.child.kill("SIGTERM");
    await second.exited;
  }, 240_000);
});
