import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../lib/logger";
import { blankPage, buildPdf, standardLayoutPage } from "../scripts/fixtures/test-pdf";
import { testContext, uploadPdf, waitForDocument } from "../scripts/test/context";
import { readModelFolder } from "./model/manifest";
import { loadModel } from "./model/session";
import { buildThrowsOnBlankModel, writeModelFolder } from "./model/test-models";
import { startWorker, type StartedWorker } from "./start";

/** A model that raises on some pages (as the public PubLayNet export does on blank ones) fails nothing. */
const ctx = testContext({ QUEUE_SCHEMA: "q_faults" });
let worker: StartedWorker;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "pagewise-faulty-model-"));
  await writeModelFolder(dir, buildThrowsOnBlankModel(), { id: "throws-on-blank", name: "Raises on blank pages (test double)", kind: "untrained" });
  const model = await loadModel(await readModelFolder(dir));
  await ctx.queue();
  worker = await startWorker({ env: ctx.env, logger: createLogger("faulty-worker"), model });
});
afterAll(async () => {
  await worker?.stop();
  await worker?.deps.model.release();
  await ctx.close();
  await rm(dir, { recursive: true, force: true });
});

describe("a model that raises on a page", () => {
  it("gives that page zero detections and a note; the document and its other pages complete", async () => {
    // The web lists the test model (MODEL_DIR) and routes the document to it, its default.
    const queued = await uploadPdf({ ...ctx, env: { ...ctx.env, MODEL_DIR: dir } }, buildPdf([standardLayoutPage(), blankPage(), standardLayoutPage()]), "with-blank.pdf");
    const { doc, pages } = await waitForDocument(ctx, queued.id);
    expect(doc).toMatchObject({ status: "done", pagesDone: 3, pagesFailed: 0, modelId: "throws-on-blank" });
    expect(pages[1]).toMatchObject({ status: "done", detectionCount: 0 });
    expect(pages[1]!.note).toMatch(/model raised an error on this page/);
    expect(pages[0]!.detectionCount).toBeGreaterThan(0);
    expect(pages[0]!.note).toBeNull();
  });
});
