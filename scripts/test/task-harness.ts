import type { JobHelpers } from "graphile-worker";
import { createLogger } from "../../lib/logger";
import type { WorkerDeps } from "../../worker/deps";
import { BASELINE_DIR, ensureBaselineModel } from "../../worker/model/baseline";
import { readModelFolder } from "../../worker/model/manifest";
import { loadModel } from "../../worker/model/session";
import { createPdfCache } from "../../worker/pdf-cache";
import { createRenderer, type Renderer } from "../../worker/render/renderer";
import { documentProcess } from "../../worker/tasks/document__process";
import { pageDetect } from "../../worker/tasks/page__detect";
import type { testContext } from "./context";

/**
 * The worker's own tasks, run one at a time by the test (not by a runner), with the real renderer, model,
 * storage and queue: the test decides what happens between two steps. `onRender` runs inside a page's
 * render, while the page is `processing`.
 */
export async function taskHarness(ctx: ReturnType<typeof testContext>) {
  await ensureBaselineModel();
  const model = await loadModel(await readModelFolder(BASELINE_DIR));
  const renderer = createRenderer({ timeoutMs: 30_000, maxPixels: ctx.env.MAX_PAGE_PIXELS });
  const renders: number[] = [];
  let onRender: ((pageNumber: number) => Promise<void>) | undefined;
  const pdfCache = createPdfCache(ctx.storage);
  const deps: WorkerDeps = {
    db: ctx.db,
    storage: ctx.storage,
    model,
    pdfCache,
    env: ctx.env,
    logger: createLogger("test-tasks"),
    renderer: {
      ...renderer,
      async render(request) {
        renders.push(request.pageNumber);
        await onRender?.(request.pageNumber);
        return renderer.render(request);
      },
    } satisfies Renderer,
  };
  const queue = await ctx.queue();
  const helpers = (id: string) => ({ job: { id, attempts: 1, max_attempts: 5 }, addJobs: queue.addJobs, addJob: queue.addJob }) as unknown as JobHelpers;
  return {
    /** Page numbers rendered so far, in order. */
    renders,
    processDocument: (documentId: string) => documentProcess(deps)({ documentId }, helpers("doc")),
    detectPage: async (documentId: string, pageNumber: number, during?: () => Promise<void>) => {
      onRender = during ? () => ((onRender = undefined), during()) : undefined;
      try {
        await pageDetect(deps)({ documentId, pageNumber }, helpers(`page-${pageNumber}`));
      } finally {
        onRender = undefined;
      }
    },
    /** Keys of this document's jobs still in the queue. */
    async jobKeys(documentId: string): Promise<string[]> {
      return queue.withPgClient(async (client) => {
        const res = await client.query<{ key: string }>(
          `select key from "${ctx.env.QUEUE_SCHEMA}".jobs where key like $1 order by key`,
          [`%:${documentId}%`],
        );
        return res.rows.map((r) => r.key);
      });
    },
    async close() {
      await pdfCache.clear();
      await renderer.close();
      await model.release();
    },
  };
}
