import type { JobHelpers } from "graphile-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDocument, getPage, pageDetections } from "../../db/documents";
import { startProcessing } from "../../db/pages";
import { createLogger } from "../../lib/logger";
import { headObject, objectKeys } from "../../lib/s3";
import { deleteDocument } from "../../lib/server/document-actions";
import { buildDocument, inkBoxes, standardLayoutPage } from "../../scripts/fixtures/test-pdf";
import { testContext, uploadPdf } from "../../scripts/test/context";
import type { WorkerDeps } from "../deps";
import { BASELINE_DIR, ensureBaselineModel } from "../model/baseline";
import { iou } from "../../lib/iou";
import { readModelFolder } from "../model/manifest";
import { loadModel, type LoadedModel } from "../model/session";
import { createPdfCache } from "../pdf-cache";
import { createRenderer } from "../render/renderer";
import { pageDetect } from "./page__detect";

/** The task on its own, with the real services, and a document deleted while its page is being rendered. */
const ctx = testContext({ QUEUE_SCHEMA: "q_page_detect" });
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

describe("page__detect", () => {
  const deps = (): WorkerDeps => ({
    db: ctx.db,
    storage: ctx.storage,
    model,
    pdfCache: createPdfCache(ctx.storage),
    env: ctx.env,
    logger: createLogger("test-page-detect"),
    renderer,
  });
  const job = { id: "1", attempts: 1, max_attempts: 5 };

  it("stores the viewer's image at DISPLAY_IMAGE_WIDTH as JPEG, detections normalised to it", async () => {
    expect(ctx.env.DISPLAY_IMAGE_WIDTH).toBe(1600);
    const doc = await uploadPdf(ctx, buildDocument(1), "sharp.pdf");
    await startProcessing(ctx.db, doc.id, 1, model.manifest);
    const d = deps();
    await pageDetect(d)({ documentId: doc.id, pageNumber: 1 }, { job } as unknown as JobHelpers);
    const page = await getPage(ctx.db, doc.id, 1);
    expect(page).toMatchObject({ status: "done", imageWidth: 1600, imageHeight: 2070, imageKey: objectKeys.pageImage(doc.id, 1, "jpg") });
    const stored = await headObject(ctx.storage, page!.imageKey!);
    expect(stored?.contentType).toBe("image/jpeg");
    const detections = await pageDetections(ctx.db, page!.id);
    // The boxes, found on the 800 px model input, land on the ink of the page (normalised by the stored image's size).
    const spec = standardLayoutPage();
    expect(detections).toHaveLength(spec.blocks!.length);
    for (const ink of inkBoxes(spec)) {
      const expected = [ink.x1 / 612, ink.y1 / 792, ink.x2 / 612, ink.y2 / 792] as const;
      expect(Math.max(...detections.map((det) => iou([det.x1, det.y1, det.x2, det.y2], expected)))).toBeGreaterThanOrEqual(0.8);
    }
    await d.pdfCache.clear();
  });

  it("a document deleted while its page renders: the job ends quietly and leaves no page image behind", async () => {
    const doc = await uploadPdf(ctx, buildDocument(1), "deleted-midway.pdf");
    await startProcessing(ctx.db, doc.id, 1, model.manifest);
    const deps: WorkerDeps = {
      db: ctx.db,
      storage: ctx.storage,
      model,
      pdfCache: createPdfCache(ctx.storage),
      env: ctx.env,
      logger: createLogger("test-page-detect"),
      renderer: {
        ...renderer,
        async render(request) {
          await deleteDocument({ db: ctx.db, storage: ctx.storage, queue: await ctx.queue() }, doc.id);
          return renderer.render(request);
        },
      },
    };
    const job = { id: "1", attempts: 1, max_attempts: 5 };
    await expect(pageDetect(deps)({ documentId: doc.id, pageNumber: 1 }, { job } as unknown as JobHelpers)).resolves.toBeUndefined();
    expect(await getDocument(ctx.db, doc.id)).toBeUndefined();
    expect(await headObject(ctx.storage, objectKeys.pageImage(doc.id, 1, "jpg"))).toBeNull();
    await deps.pdfCache.clear();
  });
});
