import { run, type Runner } from "graphile-worker";
import { createDb } from "../db/client";
import { env as loadEnv, productionProblems } from "../lib/env";
import { createLogger } from "../lib/logger";
import { createStorage } from "../lib/s3";
import type { WorkerDeps } from "./deps";
import { graphileLogger } from "./graphile-logger";
import { readModelFolder } from "./model/manifest";
import { loadModel } from "./model/session";
import { createPdfCache } from "./pdf-cache";
import { createRenderer } from "./render/renderer";
import { documentProcess } from "./tasks/document__process";
import { pageDetect } from "./tasks/page__detect";
import { uploadsExpire } from "./tasks/uploads__expire";

/**
 * Graphile Worker polls this often as a fallback; new jobs arrive at once through LISTEN/NOTIFY,
 * and retries and scheduled jobs are picked up within this delay.
 * @defaultValue 2000
 */
const POLL_INTERVAL_MS = 2000;

async function main() {
  const env = loadEnv();
  const logger = createLogger("worker");
  if (env.NODE_ENV === "production") {
    const problems = productionProblems(env);
    if (problems.length) throw new Error(`Refusing to start in production:\n- ${problems.join("\n- ")}`);
  }
  if (!env.DATABASE_URL) throw new Error("DATABASE_URL is not set: start Pagewise with `npm run dev` or set it");

  const started = performance.now();
  const folder = await readModelFolder(env.MODEL_DIR);
  const model = await loadModel(folder, env.ORT_THREADS ? { intraOpNumThreads: env.ORT_THREADS } : undefined);
  logger.info("model loaded", {
    model: model.manifest.id,
    kind: model.manifest.kind,
    ms: Math.round(performance.now() - started),
  });

  const { db, sql } = createDb(env.DATABASE_URL, { max: env.WORKER_CONCURRENCY + 2 });
  const storage = createStorage(env);
  const renderer = createRenderer({ timeoutMs: env.RENDER_TIMEOUT_MS, maxPixels: env.MAX_PAGE_PIXELS });
  const deps: WorkerDeps = { db, storage, renderer, model, pdfCache: createPdfCache(storage), env, logger };

  const runner: Runner = await run({
    connectionString: env.DATABASE_URL,
    concurrency: env.WORKER_CONCURRENCY,
    pollInterval: POLL_INTERVAL_MS,
    noHandleSignals: true,
    logger: graphileLogger(logger),
    crontab: "*/5 * * * * uploads__expire",
    taskList: {
      document__process: documentProcess(deps),
      page__detect: pageDetect(deps),
      uploads__expire: uploadsExpire(deps),
    },
  });
  logger.info("worker ready", { concurrency: env.WORKER_CONCURRENCY, pid: process.pid });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("stopping: finishing current jobs", { signal });
    try {
      await runner.stop();
    } finally {
      await renderer.close();
      await model.release();
      await deps.pdfCache.clear();
      await sql.end({ timeout: 5 });
      logger.info("stopped");
      process.exit(0);
    }
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  await runner.promise;
}

main().catch((error: unknown) => {
  createLogger("worker").error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
