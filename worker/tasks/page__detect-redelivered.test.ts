import type { JobHelpers } from "graphile-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPage } from "../../db/documents";
import { startProcessing } from "../../db/pages";
import { createLogger } from "../../lib/logger";
import { buildDocument } from "../../scripts/fixtures/test-pdf";
import { pageCompletions, testContext, uploadPdf } from "../../scripts/test/context";
import type { WorkerDeps } from "../deps";
import { BASELINE_DIR, ensureBaselineModel } from "../model/baseline";
import { readModelFolder } from "../model/manifest";
import { loadModel, type LoadedModel } from "../model/session";
import { createPdfCache } from "../pdf-cache";
import { createRenderer } from "../render/renderer";
import { pageDetect } from "./page__detect";

/** A job delivered again after its page was done (a worker died between the commit and the job's completion). */
const ctx = testContext({ QUEUE_SCHEMA: "q_page_redelivered" });
const renderer = createRenderer({ timeoutMs: 30_000, maxPixels: ctx.env.MAX_PAGE_PIXELS });
let model: LoadedModel;

beforeAll(async () => {
  await ctx.queue();
  await ensureBaselineModel();
  model = await loadModel(await readModelFolder(BASELINE_DIR));
});
afterAll(async () => {
  await renderer.close();
  await model?.release();
  await ctx.close();
});

describe("page__detect delivered twice", () => {
  it("runs a page once: the second delivery finds it done and changes nothing", async () => {
    const doc = await uploadPdf(ctx, buildDocument(2), "twice.pdf");
    await startProcessing(ctx.db, doc.id, 2, model.manifest);
    let renders = 0;
    const deps: WorkerDeps = {
      db: ctx.db,
      storage: ctx.storage,
      model,
      pdfCache: createPdfCache(ctx.storage),
      env: ctx.env,
      logger: createLogger("test-page-redelivered"),
      renderer: {
        ...renderer,
        render(request) {
          renders += 1;
          return renderer.render(request);
        },
      },
    };
    const run = (attempts: number) =>
      pageDetect(deps)({ documentId: doc.id, pageNumber: 1 }, { job: { id: "1", attempts, max_attempts: 5 } } as unknown as JobHelpers);
    await run(1);
    const first = await getPage(ctx.db, doc.id, 1);
    expect(first).toMatchObject({ status: "done", attempts: 1 });
    await run(2);
    expect(renders).toBe(1);
    expect(await getPage(ctx.db, doc.id, 1)).toEqual(first);
    expect([...(await pageCompletions(ctx, doc.id)).entries()]).toEqual([[1, 1]]);
    await deps.pdfCache.clear();
  });
});
