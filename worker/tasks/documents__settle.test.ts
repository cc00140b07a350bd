import type { JobHelpers } from "graphile-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDocument, getPage } from "../../db/documents";
import { markPageProcessing, startProcessing } from "../../db/pages";
import { jobKeys } from "../../lib/jobs";
import { createLogger } from "../../lib/logger";
import { buildDocument } from "../../scripts/fixtures/test-pdf";
import { testContext, uploadPdf } from "../../scripts/test/context";
import { documentsSettle, RETRIES_EXHAUSTED } from "./documents__settle";

/**
 * Jobs that gave up while the database was down could not record why; nothing but this task would ever
 * move their pages and documents on. No worker runs on this queue schema: the test plays the jobs' part.
 */
const SCHEMA = "q_settle";
const ctx = testContext({ QUEUE_SCHEMA: SCHEMA });
const settle = documentsSettle({ db: ctx.db, env: ctx.env, logger: createLogger("test-settle") });
const helpers = { job: { id: "test" } } as unknown as JobHelpers;
const model = { id: "test-model", name: "Test model", version: "1", kind: "baseline", labels: ["Text"] };

async function jobId(key: string): Promise<string> {
  const [row] = await ctx.sql<{ id: string }[]>`select id::text as id from ${ctx.sql(SCHEMA)}.jobs where key = ${key}`;
  if (!row) throw new Error(`no job ${key}`);
  return row.id;
}

beforeAll(() => ctx.queue());
afterAll(() => ctx.close());

describe("documents__settle", () => {
  it("fails a page whose job gave up, leaves a page whose job can still run, and settles the document", async () => {
    const queue = await ctx.queue();
    const doc = await uploadPdf(ctx, buildDocument(2), "settle.pdf");
    // What document__process does: page rows, one job per page, then the document job is done.
    await startProcessing(ctx.db, doc.id, 2, model);
    for (const pageNumber of [1, 2]) {
      await queue.addJob("page__detect", { documentId: doc.id, pageNumber }, { jobKey: jobKeys.page(doc.id, pageNumber), maxAttempts: 3 });
    }
    await queue.completeJobs([await jobId(jobKeys.document(doc.id))]);
    // Page 1 was being processed when its last attempt failed and the database was unreachable.
    await markPageProcessing(ctx.db, (await getPage(ctx.db, doc.id, 1))!);
    await queue.permanentlyFailJobs([await jobId(jobKeys.page(doc.id, 1))], "Connection terminated unexpectedly");

    await settle({}, helpers);
    expect(await getPage(ctx.db, doc.id, 1)).toMatchObject({ status: "failed", errorCode: RETRIES_EXHAUSTED.code, errorMessage: RETRIES_EXHAUSTED.message });
    expect(await getPage(ctx.db, doc.id, 2)).toMatchObject({ status: "pending" });
    expect(await getDocument(ctx.db, doc.id)).toMatchObject({ status: "processing", pagesFailed: 1 });

    await queue.permanentlyFailJobs([await jobId(jobKeys.page(doc.id, 2))], "Connection terminated unexpectedly");
    await settle({}, helpers);
    expect(await getPage(ctx.db, doc.id, 2)).toMatchObject({ status: "failed", errorCode: RETRIES_EXHAUSTED.code });
    expect(await getDocument(ctx.db, doc.id)).toMatchObject({ status: "failed", pagesFailed: 2 });
  });

  it("fails a queued document whose job gave up; one whose job is waiting, or has no job here, is left alone", async () => {
    const queue = await ctx.queue();
    const gaveUp = await uploadPdf(ctx, buildDocument(1), "gave-up.pdf");
    const waiting = await uploadPdf(ctx, buildDocument(1), "waiting.pdf");
    await queue.permanentlyFailJobs([await jobId(jobKeys.document(gaveUp.id))], "connect ECONNREFUSED");
    // A document queued on another queue schema (another deployment sharing the database) has no job here.
    const elsewhere = await uploadPdf(ctx, buildDocument(1), "elsewhere.pdf");
    await queue.completeJobs([await jobId(jobKeys.document(elsewhere.id))]);

    await settle({}, helpers);
    expect(await getDocument(ctx.db, gaveUp.id)).toMatchObject({ status: "failed", errorCode: RETRIES_EXHAUSTED.code });
    expect(await getDocument(ctx.db, waiting.id)).toMatchObject({ status: "queued" });
    expect(await getDocument(ctx.db, elsewhere.id)).toMatchObject({ status: "queued" });
  });
});
