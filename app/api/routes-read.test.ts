import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDocument, listPages, pageDetections } from "../../db/documents";
import { headObject, putObject } from "../../lib/s3";
import { buildDocument } from "../../scripts/fixtures/test-pdf";
import { testContext, uploadPdf } from "../../scripts/test/context";
import { taskHarness } from "../../scripts/test/task-harness";

/** The admin list's query, the export route and complete's size check, through the real route handlers. */
const PASSWORD = "read routes test password";
process.env.ADMIN_PASSWORD = PASSWORD;
process.env.QUEUE_SCHEMA = "q_routes_read";
const ctx = testContext();
let cookie: string;

beforeAll(async () => {
  await ctx.queue();
  const { verifyLogin, ADMIN_COOKIE } = await import("../../lib/server/admin-auth");
  cookie = `${ADMIN_COOKIE}=${verifyLogin(PASSWORD, "test")}`;
});
afterAll(() => ctx.close());

const params = (id: string) => ({ params: Promise.resolve({ id }) });

describe("GET /api/documents (admin list)", () => {
  const tag = `t${randomUUID().slice(0, 8)}`; // other test files share the database: every query is narrowed to this tag
  const names = [`${tag}-100%.pdf`, `${tag}-100x.pdf`, `${tag}-a_b.pdf`, `${tag}-axb.pdf`, `${tag}-zeta.pdf`];
  const list = async (query: Record<string, string>) => {
    const { GET } = await import("./documents/route");
    const res = await GET(new Request(`http://pagewise.test/api/documents?${new URLSearchParams(query)}`, { headers: { cookie } }));
    return { status: res.status, body: await res.json() };
  };
  const filenames = (body: { documents: { filename: string }[] }) => body.documents.map((d) => d.filename);

  beforeAll(async () => {
    const { createUpload, completeUpload } = await import("../../lib/server/uploads");
    for (const [i, filename] of names.entries()) {
      const { document } = await createUpload(ctx, { filename, sizeBytes: 100 + i, contentType: "application/pdf" });
      // Two of them fail (nothing was uploaded); the rest stay uploading.
      if (i % 2 === 1) await completeUpload({ ...ctx, queue: await ctx.queue() }, document.id);
    }
  });

  it("searches the filename with % and _ taken literally", async () => {
    expect(filenames((await list({ q: `${tag}-100%` })).body)).toEqual([`${tag}-100%.pdf`]);
    expect(filenames((await list({ q: `${tag}-a_b` })).body)).toEqual([`${tag}-a_b.pdf`]);
    expect(filenames((await list({ q: tag, sort: "filename", dir: "asc" })).body)).toEqual([...names].sort());
  });

  it("filters by status, sorts both ways, pages with the total", async () => {
    expect(filenames((await list({ q: tag, status: "failed", sort: "filename", dir: "asc" })).body)).toEqual([names[1], names[3]]);
    expect(filenames((await list({ q: tag, sort: "sizeBytes", dir: "desc" })).body)).toEqual([...names].reverse());
    const pages = await Promise.all([1, 2, 3].map((page) => list({ q: tag, sort: "filename", dir: "asc", pageSize: "2", page: String(page) })));
    expect(pages.map((p) => filenames(p.body))).toEqual([names.slice(0, 2), names.slice(2, 4), names.slice(4)].map((n) => [...n].sort()));
    expect(pages.map((p) => [p.body.total, p.body.page, p.body.pageSize])).toEqual([[5, 1, 2], [5, 2, 2], [5, 3, 2]]);
  });

  it("refuses an unknown status, sort or page size with 400", async () => {
    const bad: Record<string, string>[] = [{ status: "lost" }, { sort: "password" }, { pageSize: "1000" }, { page: "0" }];
    for (const query of bad) {
      const { status, body } = await list(query);
      expect(status, JSON.stringify(query)).toBe(400);
      expect(body.error.code).toBe("validation_failed");
    }
  });
});

describe("GET /api/documents/:id/export", () => {
  let id: string;
  const exportOf = async (query: string) => {
    const { GET } = await import("./documents/[id]/export/route");
    return GET(new Request(`http://pagewise.test/api/documents/${id}/export${query}`), params(id));
  };

  beforeAll(async () => {
    const tasks = await taskHarness(ctx);
    try {
      const doc = await uploadPdf(ctx, buildDocument(2), "Quarterly report (final) é.pdf");
      await tasks.processDocument(doc.id);
      for (const n of [1, 2]) await tasks.detectPage(doc.id, n);
      id = doc.id;
    } finally {
      await tasks.close();
    }
  });

  it("COCO over HTTP: one image per page, bboxes in the image's pixels, the model's categories, a download filename", async () => {
    const res = await exportOf("?format=coco");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="Quarterly_report_final_.coco.json"');
    const coco = await res.json();
    const pages = await listPages(ctx.db, id);
    expect(coco.images).toEqual(pages.map((p) => ({ id: p.pageNumber, file_name: `page-${p.pageNumber}.${p.imageKey!.split(".").at(-1)}`, width: p.imageWidth, height: p.imageHeight })));
    expect(coco.categories.map((c: { name: string }) => c.name)).toEqual((await getDocument(ctx.db, id))!.modelLabels);
    const first = await pageDetections(ctx.db, pages[0]!.id);
    const mine = coco.annotations.filter((a: { image_id: number }) => a.image_id === 1);
    expect(mine).toHaveLength(first.length);
    expect(first.length).toBeGreaterThan(0);
    const [w, h] = [pages[0]!.imageWidth!, pages[0]!.imageHeight!];
    for (const [k, d] of first.entries()) {
      const [x, y, bw, bh] = mine[k].bbox;
      expect(Math.max(Math.abs(x - d.x1 * w), Math.abs(y - d.y1 * h), Math.abs(x + bw - d.x2 * w), Math.abs(y + bh - d.y2 * h))).toBeLessThanOrEqual(0.01);
    }
  });

  it("JSON by default, and a bad format is a 400 that says which are allowed", async () => {
    const json = await exportOf("");
    expect(json.headers.get("content-disposition")).toBe('attachment; filename="Quarterly_report_final_.detections.json"');
    expect((await json.json()).schema).toBe("pagewise.detections/v2");
    const bad = await exportOf("?format=xml");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: { code: "validation_failed", message: "format must be json, coco, markdown or text." } });
  });
});

describe("POST /api/documents/:id/complete", () => {
  it("an object of another size than declared fails the document (size_mismatch), deletes the object, queues nothing", async () => {
    const { createUpload } = await import("../../lib/server/uploads");
    const { document } = await createUpload(ctx, { filename: "short.pdf", sizeBytes: 2000, contentType: "application/pdf" });
    // Written past the presigned URL (which binds the size), as a misbehaving client or tool could.
    await putObject(ctx.storage, document.objectKey, Buffer.from("%PDF-1.7\n% only a few bytes\n"), "application/pdf");
    const { POST } = await import("./documents/[id]/complete/route");
    const res = await POST(new Request(`http://pagewise.test/api/documents/${document.id}/complete`, { method: "POST" }), params(document.id));
    expect(res.status).toBe(200);
    expect((await res.json()).document).toMatchObject({
      status: "failed",
      error: { code: "size_mismatch", message: "The stored file has 28 bytes but 2000 were declared. Please upload it again." },
    });
    expect(await getDocument(ctx.db, document.id)).toMatchObject({ status: "failed", errorCode: "size_mismatch" });
    expect(await headObject(ctx.storage, document.objectKey)).toBeNull();
    const queue = await ctx.queue();
    const jobs = await queue.withPgClient((c) => c.query(`select 1 from "${ctx.env.QUEUE_SCHEMA}".jobs where key = $1`, [`document:${document.id}`]));
    expect(jobs.rowCount).toBe(0);
  });
});
