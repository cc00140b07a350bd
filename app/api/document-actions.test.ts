import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDocument, getPage, listPages } from "../../db/documents";
import { buildDocument } from "../../scripts/fixtures/test-pdf";
import { pageCompletions, testContext, uploadPdf } from "../../scripts/test/context";
import { taskHarness } from "../../scripts/test/task-harness";

/**
 * Cancel, retry and delete through the real route handlers, with the worker's own tasks run step by step
 * in between (real renderer, model, Postgres, queue and store), so "a page is running" is a fact, not a race.
 */
const PASSWORD = "document actions test password";
process.env.ADMIN_PASSWORD = PASSWORD;
process.env.QUEUE_SCHEMA = "q_document_actions";
const ctx = testContext();
let tasks: Awaited<ReturnType<typeof taskHarness>>;
let routes: {
  document: typeof import("./documents/[id]/route");
  retry: typeof import("./documents/[id]/retry/route");
  cancel: typeof import("./documents/[id]/cancel/route");
};
let cookie: string;

beforeAll(async () => {
  await ctx.queue();
  tasks = await taskHarness(ctx);
  routes = {
    document: await import("./documents/[id]/route"),
    retry: await import("./documents/[id]/retry/route"),
    cancel: await import("./documents/[id]/cancel/route"),
  };
  const { verifyLogin, ADMIN_COOKIE } = await import("../../lib/server/admin-auth");
  cookie = `${ADMIN_COOKIE}=${verifyLogin(PASSWORD, "test")}`;
});
afterAll(async () => {
  await tasks?.close();
  await ctx.close();
});

const params = (id: string) => ({ params: Promise.resolve({ id }) });
const action = (route: { POST: (r: Request, p: ReturnType<typeof params>) => Promise<Response> }, id: string, name: string) =>
  route.POST(new Request(`http://pagewise.test/api/documents/${id}/${name}`, { method: "POST", headers: { cookie } }), params(id));
const cancel = (id: string) => action(routes.cancel, id, "cancel");
const retry = (id: string) => action(routes.retry, id, "retry");
const statuses = async (id: string) => (await listPages(ctx.db, id)).map((p) => p.status);

async function objectsUnder(prefix: string): Promise<string[]> {
  const list = await ctx.storage.client.send(new ListObjectsV2Command({ Bucket: ctx.storage.bucket, Prefix: prefix }));
  return (list.Contents ?? []).map((o) => o.Key!).sort();
}

/** An uploaded document whose document__process job has run: its page jobs are in the queue. */
async function processing(pages: number, name: string) {
  const doc = await uploadPdf(ctx, buildDocument(pages), name);
  await tasks.processDocument(doc.id);
  expect(await tasks.jobKeys(doc.id)).toEqual(expect.arrayContaining(Array.from({ length: pages }, (_, i) => `page:${doc.id}:${i + 1}`)));
  return doc;
}

describe("cancel", () => {
  it("removes the pending page jobs from the queue, and no page completes after it", async () => {
    const doc = await processing(3, "cancel-pending.pdf");
    await tasks.detectPage(doc.id, 1);
    const res = await cancel(doc.id);
    expect(res.status).toBe(200);
    expect((await res.json()).document.status).toBe("cancelled");
    expect(await tasks.jobKeys(doc.id)).toEqual([]);
    expect(await statuses(doc.id)).toEqual(["done", "cancelled", "cancelled"]);
    // A page job that was already taken when the cancel came (the queue cannot take it back) ends without work.
    await tasks.detectPage(doc.id, 2);
    expect(await statuses(doc.id)).toEqual(["done", "cancelled", "cancelled"]);
    expect([...(await pageCompletions(ctx, doc.id)).keys()]).toEqual([1]);
    expect(await getDocument(ctx.db, doc.id)).toMatchObject({ status: "cancelled", pagesDone: 1 });
  });

  it("a page already running finishes, and does not flip the document back to done", async () => {
    const doc = await processing(2, "cancel-running.pdf");
    await tasks.detectPage(doc.id, 1);
    let answer: Response | undefined;
    await tasks.detectPage(doc.id, 2, async () => {
      expect((await getPage(ctx.db, doc.id, 2))?.status).toBe("processing");
      answer = await cancel(doc.id);
    });
    expect(answer?.status).toBe(200);
    // The running page was the last one: counted done, yet the document stays cancelled.
    expect(await statuses(doc.id)).toEqual(["done", "done"]);
    expect(await getDocument(ctx.db, doc.id)).toMatchObject({ status: "cancelled", pagesDone: 2 });
  });

  it("refuses a document that is not in progress", async () => {
    const doc = await processing(1, "cancel-done.pdf");
    await tasks.detectPage(doc.id, 1);
    expect((await getDocument(ctx.db, doc.id))?.status).toBe("done");
    const res = await cancel(doc.id);
    expect(res.status).toBe(409);
    expect((await res.json()).error.code).toBe("conflict");
    expect((await getDocument(ctx.db, doc.id))?.status).toBe("done");
  });
});

describe("retry", () => {
  it("keeps finished pages and runs only the others", async () => {
    const doc = await processing(3, "retry-keeps.pdf");
    await tasks.detectPage(doc.id, 1);
    expect((await cancel(doc.id)).status).toBe(200);
    const donePage = await getPage(ctx.db, doc.id, 1);

    const res = await retry(doc.id);
    expect(res.status).toBe(200);
    expect((await res.json()).document.status).toBe("queued");
    expect(await getPage(ctx.db, doc.id, 1)).toEqual(donePage);
    expect(await statuses(doc.id)).toEqual(["done", "pending", "pending"]);
    expect(await tasks.jobKeys(doc.id)).toEqual([`document:${doc.id}`]);

    await tasks.processDocument(doc.id);
    expect(await tasks.jobKeys(doc.id)).toEqual([`page:${doc.id}:2`, `page:${doc.id}:3`, `document:${doc.id}`].sort());
    const before = tasks.renders.length;
    for (const n of [1, 2, 3]) await tasks.detectPage(doc.id, n); // page 1's job, had it been queued, would do nothing
    expect(tasks.renders.slice(before)).toEqual([2, 3]);
    expect(await getPage(ctx.db, doc.id, 1)).toEqual(donePage);
    expect([...(await pageCompletions(ctx, doc.id)).entries()]).toEqual([[1, 1], [2, 1], [3, 1]]);
    expect(await getDocument(ctx.db, doc.id)).toMatchObject({ status: "done", pagesDone: 3 });
  });

  it("refuses documents that are not failed or cancelled, and uploads that never completed", async () => {
    const done = await processing(1, "retry-done.pdf");
    await tasks.detectPage(done.id, 1);
    const queued = await uploadPdf(ctx, buildDocument(1), "retry-queued.pdf");
    const { createUpload, completeUpload } = await import("../../lib/server/uploads");
    const { document: never } = await createUpload(ctx, { filename: "never.pdf", sizeBytes: 100, contentType: "application/pdf" });
    expect((await completeUpload({ ...ctx, queue: await ctx.queue() }, never.id)).errorCode).toBe("upload_missing");

    for (const [doc, code, message] of [
      [done, "conflict", /Only failed or cancelled documents can be retried \(this one is done\)/],
      [queued, "conflict", /\(this one is queued\)/],
      [never, "not_retryable", /never arrived in storage\. Upload it again/],
    ] as const) {
      const res = await retry(doc.id);
      expect(res.status, doc.filename).toBe(409);
      expect((await res.json()).error).toMatchObject({ code, message: expect.stringMatching(message) });
    }
    expect((await getDocument(ctx.db, never.id))?.status).toBe("failed");
    expect(await tasks.jobKeys(never.id)).toEqual([]);
  });
});

describe("delete", () => {
  it("removes every stored object of the document (source PDF and page images), and only its own", async () => {
    const doc = await processing(2, "delete-me.pdf");
    const other = await processing(1, "keep-me.pdf");
    for (const n of [1, 2]) await tasks.detectPage(doc.id, n);
    await tasks.detectPage(other.id, 1);
    const prefix = `documents/${doc.id}/`;
    const stored = await objectsUnder(prefix);
    expect(stored).toContain(doc.objectKey);
    expect(stored.filter((k) => k.includes("/pages/"))).toHaveLength(2);
    const othersBefore = await objectsUnder(`documents/${other.id}/`);

    const res = await routes.document.DELETE(new Request(`http://pagewise.test/api/documents/${doc.id}`, { method: "DELETE", headers: { cookie } }), params(doc.id));
    expect(res.status).toBe(204);
    expect(await objectsUnder(prefix)).toEqual([]);
    expect(await getDocument(ctx.db, doc.id)).toBeUndefined();
    expect(await objectsUnder(`documents/${other.id}/`)).toEqual(othersBefore);
  });
});
