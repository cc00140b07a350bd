import { EventEmitter } from "node:events";
import { run, type Runner, type Task, type WorkerEvents } from "graphile-worker";
import { createDb } from "../db/client";
import type { Env } from "../lib/env";
import type { Logger } from "../lib/logger";
import { createStorage } from "../lib/s3";
import type { WorkerDeps } from "./deps";
import { graphileLogger } from "./graphile-logger";
import { trackLiveness } from "./liveness";
import { detectJobRouting } from "../lib/models/routing";
import { readWorkerModels } from "./model/worker-models";
import { tuningForModel, type LoadedModel } from "./model/session";
import { loadModelInThread } from "./model/session-thread";
import { createPdfCache } from "./pdf-cache";
import { createRenderer } from "./render/renderer";
import { documentProcess } from "./tasks/document__process";
import { createRecognizer } from "./ocr/recognizer";
import { pageDetect } from "./tasks/page__detect";
import { pageOcr } from "./tasks/page__ocr";
import { documentsSettle } from "./tasks/documents__settle";
import { uploadsExpire } from "./tasks/uploads__expire";
import { webhookDeliver } from "./tasks/webhook__deliver";
import { webhooksSweep } from "./tasks/webhooks__sweep";
import { dispatchEvent } from "./webhooks/dispatch";
import { listenForEvents } from "./webhooks/listener";

/**
 * Graphile Worker polls this often as a fallback; new jobs arrive at once through LISTEN/NOTIFY,
 * and retries and scheduled jobs are picked up within this delay.
 * @defaultValue 2000
 */
export const POLL_INTERVAL_MS = 2000;

/** @defaultValue 96 */
export const RENDER_THREAD_HEAP_MB = 96;

/**
 * The render thread's young generation: pdf.js's garbage is short-lived, and 4 MiB instead of 16 keeps ~6 MiB
 * of semi-space out of the worker's RSS (scripts/probe-worker-memory.ts).
 * @defaultValue 4
 */
export const RENDER_THREAD_YOUNG_MB = 4;

/**
 * In an OCR-only worker (WORKER_TASKS=ocr) `deps.model` is missing: no layout model is loaded there. `models`: every
 * model this worker serves (`deps.model` is the first).
 */
export type StartedWorker = { runner: Runner; deps: WorkerDeps; models: LoadedModel[]; stop(): Promise<void> };

/** Loads the model once, then runs the queue until `stop()`; the worker process and tests both use this. */
/** Abandoned uploads are failed every 5 minutes; stuck documents are settled every minute. */
export const CRONTAB = ["*/5 * * * * uploads__expire", "* * * * * documents__settle", "* * * * * webhooks__sweep"].join("\n");

/**
 * `model`: a model loaded by the caller (tests), served instead of WORKER_MODELS. Every served model gets its own
 * routed tasks (lib/models/routing.ts); the worker serving the default model also takes unrouted jobs, queued
 * before documents named their model.
 */
export async function startWorker(opts: { env: Env; logger: Logger; model?: LoadedModel }): Promise<StartedWorker> {
  const { env, logger } = opts;
  if (!env.DATABASE_URL) throw new Error("DATABASE_URL is not set: start Pagewise with `npm run dev` or set it");

  const detect = env.WORKER_TASKS !== "ocr";
  const ocr = env.OCR === "on" && env.WORKER_TASKS !== "detect";
  const served = detect && !opts.model ? await readWorkerModels(env) : null;
  for (const problem of served?.catalogue.problems ?? []) logger.warn("model folder not installed", { problem });
  const models: LoadedModel[] = [];
  try {
    if (opts.model && detect) models.push(opts.model);
    for (const folder of served?.folders ?? []) {
      const loadStarted = performance.now();
      const model = await loadModelInThread(folder, tuningForModel(folder.manifest, env.ORT_THREADS ? { intraOpNumThreads: env.ORT_THREADS } : {}));
      models.push(model);
      logger.info("model loaded", {
        model: model.manifest.id,
        kind: model.manifest.kind,
        quantization: model.manifest.quantization ? `${model.manifest.quantization.method}, from ${model.manifest.quantization.source.id}` : "none",
        arena: model.tuning.enableCpuMemArena,
        ms: Math.round(performance.now() - loadStarted),
      });
    }
  } catch (error) {
    // One model that does not load stops the worker: no process serves half of what it was asked to.
    for (const m of models) if (m !== opts.model) await m.release();
    throw error;
  }
  const model = models[0] ?? null;
  const defaultId = opts.model ? opts.model.manifest.id : served?.catalogue.defaultId;
  const recognizer = ocr ? createRecognizer({ lang: env.OCR_LANG }) : null;

  const { db, sql } = createDb(env.DATABASE_URL, { max: env.WORKER_CONCURRENCY + 2 });
  const storage = createStorage(env);
  // A small V8 heap for the render thread keeps garbage collection frequent (its buffers are mostly
  // outside the heap) and makes a runaway PDF kill only the thread.
  const renderer = createRenderer({ timeoutMs: env.RENDER_TIMEOUT_MS, maxPixels: env.MAX_PAGE_PIXELS, threadHeapMb: RENDER_THREAD_HEAP_MB, threadYoungMb: RENDER_THREAD_YOUNG_MB });
  const pdfCache = createPdfCache(storage, {
    maxFiles: env.PDF_CACHE_MAX_FILES,
    onHousekeepingError: (error, file) => logger.warn("pdf cache housekeeping failed", { file, error: String(error) }),
  });
  const base = { db, storage, renderer, pdfCache, env, logger };
  // An OCR-only worker has no model; its deps are typed as if it had one only for callers that never run there.
  const deps = { ...base, model } as WorkerDeps;

  const events: WorkerEvents = new EventEmitter();
  const liveness = trackLiveness({ sql, events, queueSchema: env.QUEUE_SCHEMA, deadAfterMs: env.WORKER_DEAD_AFTER_MS, logger, models: models.map((m) => m.manifest.id) });
  // The routed identifiers carry the same payloads as the unrouted ones (lib/jobs.ts).
  const detectTasks: Record<string, Task<"document__process"> | Task<"page__detect">> = {};
  for (const m of models) {
    const own = { ...deps, model: m };
    const routing = detectJobRouting(m.manifest.id);
    detectTasks[routing.documentTask] = documentProcess(own);
    detectTasks[routing.pageTask] = pageDetect(own);
    if (m.manifest.id === defaultId) {
      detectTasks.document__process = documentProcess(own);
      detectTasks.page__detect = pageDetect(own);
    }
  }
  const runner = await run({
    events,
    connectionString: env.DATABASE_URL,
    schema: env.QUEUE_SCHEMA,
    concurrency: env.WORKER_CONCURRENCY,
    pollInterval: POLL_INTERVAL_MS,
    noHandleSignals: true,
    logger: graphileLogger(logger),
    crontab: CRONTAB,
    taskList: {
      ...detectTasks,
      ...(recognizer ? { page__ocr: pageOcr({ ...base, recognizer }) } : {}),
      uploads__expire: uploadsExpire(deps),
      documents__settle: documentsSettle(deps),
      webhook__deliver: webhookDeliver(deps),
      webhooks__sweep: webhooksSweep(deps),
    },
  });
  const webhookListener = await listenForEvents(sql, logger, (eventId) => dispatchEvent({ db, env, addJob: runner.addJob }, eventId));

  // Jobs a crashed worker left locked are released now, not after Graphile Worker's 4-hour lock timeout.
  await liveness.sweep().catch((error: unknown) => logger.warn("dead worker sweep failed", { error: String(error) }));

  let stopped: Promise<void> | undefined;
  logger.info("serving models", { models: models.map((m) => m.manifest.id).join(",") || "none" });
  return {
    runner,
    deps,
    models,
    stop() {
      stopped ??= (async () => {
        try {
          liveness.stop();
          await webhookListener.stop();
          await runner.stop();
        } finally {
          await renderer.close();
          await recognizer?.close();
          for (const m of models) if (m !== opts.model) await m.release();
          await deps.pdfCache.clear();
          await sql.end({ timeout: 5 });
          storage.client.destroy();
        }
      })();
      return stopped;
    },
  };
}
