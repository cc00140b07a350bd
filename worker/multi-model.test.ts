import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDocument, listPages } from "../db/documents";
import { toDocumentDto } from "../db/dto";
import { detections, workerHeartbeats } from "../db/schema";
import { servedModels } from "../db/workers";
import { listModels } from "../lib/server/models";
import { buildDocument } from "../scripts/fixtures/test-pdf";
import { testContext, uploadPdf, waitFor, waitForDocument } from "../scripts/test/context";
import { workerProcesses } from "../scripts/test/worker-process";
import { buildContractModel, writeModelFolder } from "./model/test-models";

/**
 * Two real worker processes, each serving one model (the heuristic baseline, and a small contract model the test
 * writes, which returns one box over each page's upper left quarter), fed by uploads that name their model.
 */
const SCHEMA = "q_models";
const CONTRACT = "contract-quarter";
let folders: string;
let ctx: ReturnType<typeof testContext>;
const workers = workerProcesses();

const startWorkerProcess = (workerModels: string) => workers.start({ QUEUE_SCHEMA: SCHEMA, MODEL_FOLDERS: folders, WORKER_MODELS: workerModels });

beforeAll(async () => {
  folders = await mkdtemp(path.join(os.tmpdir(), "pagewise-models-"));
  await writeModelFolder(path.join(folders, "contract"), buildContractModel({ classes: 5 }), { id: CONTRACT, name: "Contract test model (one box per page; untrained)", kind: "untrained" });
  // MODEL_DIR (models/baseline) stays installed beside MODEL_FOLDERS, and is the default.
  ctx = testContext({ QUEUE_SCHEMA: SCHEMA, MODEL_FOLDERS: folders, WORKER_DEAD_AFTER_MS: "3000" });
  await ctx.queue();
});
afterAll(async () => {
  workers.killAll();
  await ctx?.close();
  await rm(folders, { recursive: true, force: true });
});

describe("several models", () => {
  it("a worker asked for a model that is not installed refuses to start, naming it and the installed ones", async () => {
    const w = startWorkerProcess("baseline-heuristic,nope");
    expect(await w.exited).toBe(1);
    expect(w.output()).toMatch(`WORKER_MODELS names model "nope", which is not installed; installed: baseline-heuristic, ${CONTRACT}`);
  }, 60_000);

  it("routes each document to the worker of its model; a document for an unserved model waits visibly, then completes once its worker starts", async () => {
    const baseline = startWorkerProcess("baseline-heuristic");
    await waitFor(async () => baseline.output().includes("worker ready"), { what: "baseline worker ready" });

    const forContract = await uploadPdf(ctx, buildDocument(2), "for-contract.pdf", { model: CONTRACT });
    const forBaseline = await uploadPdf(ctx, buildDocument(2), "for-baseline.pdf");
    expect(forBaseline.modelId).toBe("baseline-heuristic");
    const { doc: baselineDone } = await waitForDocument(ctx, forBaseline.id);
    expect(baselineDone).toMatchObject({ status: "done", modelId: "baseline-heuristic", modelKind: "heuristic" });

    // No worker serves the contract model: the document is queued, untouched, and says what it waits for.
    const waiting = (await getDocument(ctx.db, forContract.id))!;
    expect(waiting.status).toBe("queued");
    const dto = toDocumentDto(waiting, await servedModels(ctx.db, ctx.env.WORKER_DEAD_AFTER_MS));
    expect(dto.waiting).toEqual({ modelId: CONTRACT, message: `waiting for a worker with model ${CONTRACT}` });
    expect(toDocumentDto(baselineDone, await servedModels(ctx.db, ctx.env.WORKER_DEAD_AFTER_MS)).waiting).toBeNull();
    const jobs = await ctx.sql.unsafe(`select task_identifier, attempts from "${SCHEMA}".jobs where key = $1`, [`document:${forContract.id}`]);
    expect(jobs).toEqual([{ task_identifier: `document__process@${CONTRACT}`, attempts: 0 }]);
    const listed = await listModels(ctx, true);
    expect(listed.models.find((m) => m.id === CONTRACT)).toMatchObject({ served: false, workers: [], kind: "untrained", default: false });
    expect(listed.models.find((m) => m.id === "baseline-heuristic")).toMatchObject({
      served: true,
      default: true,
      kindLabel: "heuristic baseline, not a trained model",
      workers: expect.arrayContaining([expect.objectContaining({ pid: baseline.child.pid })]),
    });

    const contract = startWorkerProcess(CONTRACT);
    const { doc: contractDone, pages } = await waitForDocument(ctx, forContract.id);
    expect(contractDone).toMatchObject({ status: "done", pagesDone: 2, modelId: CONTRACT, modelKind: "untrained" });
    // What the contract model finds: one box from (4, 4) to the middle of the page, on every page.
    for (const page of pages) {
      const rows = await ctx.db.select().from(detections).where(eq(detections.pageId, page.id));
      expect(rows).toHaveLength(1);
      expect(rows[0]!.x2).toBeCloseTo(0.5, 2);
      expect(rows[0]!.y2).toBeCloseTo(0.5, 2);
    }
    const baselineRows = await ctx.db.select().from(detections).where(eq(detections.documentId, forBaseline.id));
    expect(baselineRows.some((d) => Math.abs(d.x2 - 0.5) > 0.05 || Math.abs(d.y2 - 0.5) > 0.05)).toBe(true);

    // Which process did which: each logged its own pages, and only those.
    expect(contract.output()).toMatch(new RegExp(`page done.*documentId=${forContract.id}`));
    expect(contract.output()).not.toContain(forBaseline.id);
    expect(baseline.output()).toMatch(new RegExp(`page done.*documentId=${forBaseline.id}`));
    expect(baseline.output()).not.toMatch(new RegExp(`page done.*documentId=${forContract.id}`));
    expect(contract.output()).toMatch(`serving models models=${CONTRACT}`);

    const beats = await ctx.db.select().from(workerHeartbeats).where(eq(workerHeartbeats.pid, contract.child.pid!));
    expect(beats.length).toBeGreaterThan(0);
    expect(beats.every((b) => b.models.join() === CONTRACT)).toBe(true);
    expect((await listPages(ctx.db, forContract.id)).map((p) => p.status)).toEqual(["done", "done"]);

    for (const w of [baseline, contract]) w.child.kill("SIGTERM");
    expect(await baseline.exited).toBe(0);
    expect(await contract.exited).toBe(0);
  }, 240_000);
});
