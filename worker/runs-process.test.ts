import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detections } from "../db/schema";
import { buildDocument } from "../scripts/fixtures/test-pdf";
import { testContext, uploadPdf, waitFor, waitForDocument } from "../scripts/test/context";
import { workerProcesses } from "../scripts/test/worker-process";
import { sseReader, type SseFrame } from "../scripts/test/sse";
import { BASELINE_DIR } from "./model/baseline";
import { writeModelFolder } from "./model/test-models";

/**
 * A document run again with another model, by real worker processes (each serving the one model of its
 * MODEL_DIR) fed through the real route handlers: both runs are kept, and the runs API, per-run pages,
 * comparison and export answer for each.
 */
const SCHEMA = "q_runs_process";
const PASSWORD = "runs test password";
const STRICT = 0.9;
let tmp: string;
let strictDir: string;
const workers = workerProcesses();
process.env.ADMIN_PASSWORD = PASSWORD;
process.env.QUEUE_SCHEMA = SCHEMA;
const ctx = testContext({ QUEUE_SCHEMA: SCHEMA });

type Routes = {
  runs: typeof import("../app/api/documents/[id]/runs/route");
  cancel: typeof import("../app/api/documents/[id]/runs/[run]/cancel/route");
  retry: typeof import("../app/api/documents/[id]/runs/[run]/retry/route");
  page: typeof import("../app/api/documents/[id]/pages/[page]/route");
  compare: typeof import("../app/api/documents/[id]/compare/route");
  exportRoute: typeof import("../app/api/documents/[id]/export/route");
  events: typeof import("../app/api/documents/[id]/events/route");
};
let routes: Routes;
let cookie: string;

const startWorkerProcess = (modelDir: string) => workers.start({ QUEUE_SCHEMA: SCHEMA, MODEL_DIR: modelDir });

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "pagewise-runs-"));
  // The second model: the baseline's own graph with a stricter score threshold, so its boxes are exactly the
  // baseline's with score >= STRICT, and the agreement between the two runs is known.
  strictDir = await writeModelFolder(path.join(tmp, "strict"), await readFile(path.join(BASELINE_DIR, "model.onnx")), {
    id: "baseline-strict",
    name: "Heuristic baseline, strict threshold",
    kind: "heuristic",
    scoreThreshold: STRICT,
  });
  // Both models are installed (the web lists the folders under MODEL_FOLDERS); each worker serves its MODEL_DIR's.
  process.env.MODEL_FOLDERS = `models,${tmp}`;
  await ctx.queue();
  routes = {
    runs: await import("../app/api/documents/[id]/runs/route"),
    cancel: await import("../app/api/documents/[id]/runs/[run]/cancel/route"),
    retry: await import("../app/api/documents/[id]/runs/[run]/retry/route"),
    page: await import("../app/api/documents/[id]/pages/[page]/route"),
    compare: await import("../app/api/documents/[id]/compare/route"),
    exportRoute: await import("../app/api/documents/[id]/export/route"),
    events: await import("../app/api/documents/[id]/events/route"),
  };
  const { verifyLogin, ADMIN_COOKIE } = await import("../lib/server/admin-auth");
  cookie = `${ADMIN_COOKIE}=${verifyLogin(PASSWORD, "test")}`;
});
afterAll(async () => {
  workers.killAll();
  await ctx.close();
  await rm(tmp, { recursive: true, force: true });
});

const url = (p: string) => `http://localhost${p}`;
const admin = (p: string, init: RequestInit = {}) => new Request(url(p), { ...init, headers: { cookie, "content-type": "application/json", ...init.headers } });
const params = <T extends Record<string, string>>(p: T) => ({ params: Promise.resolve(p) });

describe("runs", () => {
  it("runs a finished document again with another model in another worker; both runs are kept and compared", async () => {
    const first = startWorkerProcess(BASELINE_DIR);
    const doc = await uploadPdf(ctx, buildDocument(3), "runs.pdf");
    const { doc: done } = await waitForDocument(ctx, doc.id);
    expect(done).toMatchObject({ status: "done", pagesDone: 3, modelId: "baseline-heuristic" });
    expect(await first.stop()).toBe(0);

    const list = await routes.runs.GET(new Request(url(`/api/documents/${doc.id}/runs`)), params({ id: doc.id }));
    expect((await list.json()).runs).toMatchObject([{ number: 1, status: "done", model: { id: "baseline-heuristic", kind: "heuristic" }, pageCount: 3, pagesDone: 3 }]);

    const installed = await (await (await import("../app/api/models/route")).GET(admin("/api/models"))).json();
    expect(installed.models.map((m: { id: string }) => m.id)).toEqual(expect.arrayContaining(["baseline-heuristic", "baseline-strict"]));

    // Refusals: no admin session, unknown model, not a body, no document, a document not done.
    const post = (id: string, body: unknown, withCookie = true) =>
      routes.runs.POST(
        withCookie ? admin(`/api/documents/${id}/runs`, { method: "POST", body: JSON.stringify(body) }) : new Request(url(`/api/documents/${id}/runs`), { method: "POST", body: JSON.stringify(body) }),
        params({ id }),
      );
    expect((await post(doc.id, { model: "baseline-strict" }, false)).status).toBe(401);
    expect((await post(doc.id, { model: "no-such-model" })).status).toBe(400);
    expect((await post(doc.id, { nope: 1 })).status).toBe(400);
    expect((await post("00000000-0000-4000-8000-000000000000", { model: "baseline-strict" })).status).toBe(404);

    const second = startWorkerProcess(strictDir);
    const created = await post(doc.id, { model: "baseline-strict" });
    // The stream of the (done) document stays open while run 2 runs, carries its events, and ends with it.
    const stream = await routes.events.GET(new Request(url(`/api/documents/${doc.id}/events`)), params({ id: doc.id }));
    const reader = sseReader(stream.body!);
    const frames: SseFrame[] = [];
    const streamEnded = (async () => {
      for (let f = await reader.next(); f; f = await reader.next()) frames.push(f);
    })();
    expect(created.status).toBe(201);
    expect((await created.json()).run).toMatchObject({ number: 2, status: "processing", model: { id: "baseline-strict" }, pageCount: 3 });
    const run2 = await waitFor(
      async () => {
        const runs = (await (await routes.runs.GET(new Request(url(`/api/documents/${doc.id}/runs`)), params({ id: doc.id }))).json()).runs;
        return runs[1]?.status === "done" ? runs[1] : null;
      },
      { what: "run 2 to finish", timeoutMs: 120_000 },
    );
    expect(run2).toMatchObject({ number: 2, pagesDone: 3, pagesFailed: 0, model: { id: "baseline-strict", name: "Heuristic baseline, strict threshold" } });
    expect(second.output()).toMatch(/run page done/);
    await streamEnded;
    expect(frames[0]?.event).toMatchObject({ type: "snapshot", document: { status: "done" } });
    const runFrames = frames.flatMap((f) => (f.event.type === "run" ? [f.event] : []));
    expect(runFrames.every((e) => e.run.number === 2)).toBe(true);
    expect(new Set(runFrames.filter((e) => e.pageNumber !== null).map((e) => e.pageNumber))).toEqual(new Set([1, 2, 3]));
    expect(runFrames.at(-1)?.run).toMatchObject({ status: "done", pagesDone: 3 });
    expect(await second.stop()).toBe(0);

    // Both runs kept, each with its own detections; run 2's are run 1's with score >= STRICT.
    const rows = (n: number) => ctx.db.select().from(detections).where(and(eq(detections.documentId, doc.id), eq(detections.runNumber, n)));
    const [one, two] = await Promise.all([rows(1), rows(2)]);
    expect(one.length).toBeGreaterThan(0);
    const strictOfOne = one.filter((d) => d.score >= STRICT);
    expect(two.length).toBe(strictOfOne.length);
    expect(two.length, "the fixture has boxes on both sides of the threshold").toBeLessThan(one.length);
    const key = (d: { pageId: number; label: string; x1: number; y1: number }) => `${d.pageId}:${d.label}:${d.x1.toFixed(4)}:${d.y1.toFixed(4)}`;
    expect(two.map(key).sort()).toEqual(strictOfOne.map(key).sort());
    expect(two.every((d) => d.text !== undefined)).toBe(true);

    // Pages by run.
    const page = async (n: number, run?: string) =>
      routes.page.GET(new Request(url(`/api/documents/${doc.id}/pages/${n}${run ? `?run=${run}` : ""}`)), params({ id: doc.id, page: String(n) }));
    const p1 = await (await page(1)).json();
    const p1r2 = await (await page(1, "2")).json();
    expect(p1r2.page.detections.length).toBeLessThanOrEqual(p1.page.detections.length);
    expect(p1r2.page.imageUrl).toBe(p1.page.imageUrl);
    expect((await page(1, "7")).status).toBe(404);
    expect((await page(1, "zero")).status).toBe(400);

    // Agreement: identical boxes match at IoU 1, so per page F1 = 2|B| / (|A| + |B|).
    const compare = await (await routes.compare.GET(new Request(url(`/api/documents/${doc.id}/compare?a=1&b=2`)), params({ id: doc.id }))).json();
    expect(compare.pages).toHaveLength(3);
    for (const p of compare.pages) {
      expect(p.f1At50).toBeCloseTo(p.aBoxes + p.bBoxes === 0 ? 1 : (2 * p.bBoxes) / (p.aBoxes + p.bBoxes), 12);
    }
    expect(compare.f1At50).toBeCloseTo((2 * two.length) / (one.length + two.length), 12);
    expect(compare.worstPages[0].f1At50).toBe(Math.min(...compare.pages.map((p: { f1At50: number }) => p.f1At50)));
    expect((await routes.compare.GET(new Request(url(`/api/documents/${doc.id}/compare?a=1&b=9`)), params({ id: doc.id }))).status).toBe(404);
    expect((await routes.compare.GET(new Request(url(`/api/documents/${doc.id}/compare?a=1`)), params({ id: doc.id }))).status).toBe(400);

    // Exports by run: the default is run 1, and each says its run and model.
    const exported = async (q: string) => routes.exportRoute.GET(new Request(url(`/api/documents/${doc.id}/export?${q}`)), params({ id: doc.id }));
    const json1 = await (await exported("format=json")).json();
    const json2res = await exported("format=json&run=2");
    const json2 = await json2res.json();
    expect(json1).toMatchObject({ run: 1, model: { id: "baseline-heuristic" } });
    expect(json2).toMatchObject({ run: 2, model: { id: "baseline-strict", kind: "heuristic" } });
    expect(json2res.headers.get("x-pagewise-run")).toBe("2");
    const count = (j: { pages: { detections: unknown[] }[] }) => j.pages.reduce((n, p) => n + p.detections.length, 0);
    expect([count(json1), count(json2)]).toEqual([one.length, two.length]);
    const coco2 = await (await exported("format=coco&run=2")).json();
    expect(coco2.info).toMatchObject({ model: "baseline-strict", run: 2 });
    expect(coco2.annotations).toHaveLength(two.length);
    const md2 = await exported("format=markdown&run=2");
    expect(await md2.text()).toMatch(/regions by Heuristic baseline, strict threshold \(heuristic\), run 2/);
    expect(md2.headers.get("x-pagewise-model")).toBe("baseline-strict (heuristic)");
    expect((await exported("format=json&run=3")).status).toBe(404);
    expect((await exported("format=json&run=0")).status).toBe(400);

    // Run 1 is the document's: its retry and cancel are the document's; a finished run has nothing to cancel or retry.
    const act = (route: Routes["cancel"] | Routes["retry"], run: string, withCookie = true) =>
      route.POST(withCookie ? admin(`/x`, { method: "POST" }) : new Request(url("/x"), { method: "POST" }), params({ id: doc.id, run }));
    expect((await act(routes.cancel, "2", false)).status).toBe(401);
    expect((await act(routes.cancel, "1")).status).toBe(409);
    expect((await act(routes.cancel, "2")).status).toBe(409);
    expect((await act(routes.retry, "2")).status).toBe(409);
    expect((await act(routes.retry, "5")).status).toBe(404);

    // A run whose model no live worker serves waits: its page jobs are routed to that model's workers only,
    // so the worker serving the other model leaves them untouched (no attempt spent) until one starts.
    const other = startWorkerProcess(BASELINE_DIR);
    await waitFor(async () => /serving models/.test(other.output()) || null, { what: "the baseline worker to start", timeoutMs: 60_000 });
    expect((await post(doc.id, { model: "baseline-strict" })).status).toBe(201);
    await new Promise((r) => setTimeout(r, 3_000));
    const waitingJobs = await ctx.sql<{ task: string; attempts: number }[]>`
      select t.identifier as task, j.attempts from ${ctx.sql(SCHEMA)}._private_jobs j
      join ${ctx.sql(SCHEMA)}._private_tasks t on t.id = j.task_id
      where j.payload->>'documentId' = ${doc.id} and (j.payload->>'run')::int = 3`;
    expect(waitingJobs).toHaveLength(3);
    expect(waitingJobs.every((j) => j.task === "page__detect@baseline-strict" && j.attempts === 0)).toBe(true);
    const run3 = (await (await routes.runs.GET(new Request(url(`/api/documents/${doc.id}/runs`)), params({ id: doc.id }))).json()).runs[2];
    expect(run3).toMatchObject({ number: 3, status: "processing", pagesDone: 0, pagesFailed: 0, waiting: { modelId: "baseline-strict", message: "waiting for a worker with model baseline-strict" } });
    expect(await other.stop()).toBe(0);
    const right = startWorkerProcess(strictDir);
    await waitFor(
      async () => {
        const runs = (await (await routes.runs.GET(new Request(url(`/api/documents/${doc.id}/runs`)), params({ id: doc.id }))).json()).runs;
        return runs[2]?.status === "done" ? runs[2] : null;
      },
      { what: "run 3 to finish after its retry", timeoutMs: 120_000 },
    );
    expect((await rows(3)).length).toBe(two.length);
    expect((await rows(1)).length, "run 1 untouched by later runs").toBe(one.length);
    expect(await right.stop()).toBe(0);
  }, 300_000);
});
