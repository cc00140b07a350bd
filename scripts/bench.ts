/**
 * `npm run bench [-- --pages 20] [-- --model DIR] [-- --workers N]`: speed and memory of the detection engine on
 * a generated PDF, with the Detectron2 R50-FPN export from ../shared/models unless --model names a model folder.
 * `BENCH_CPU_PROF=<dir>` writes the worker's V8 CPU profile (main thread) there, to see where its own CPU goes.
 * `--workers N` runs N worker processes on one queue, onnxruntime's threads (ORT_THREADS, else one per core)
 * split between them. Prints a table, then one line of JSON (kept stable: it is how progress is tracked).
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { migrateDatabase } from "../db/migrate";
import { parseEnv } from "../lib/env";
import { headObject } from "../lib/s3";
import { readModelFolder } from "../worker/model/manifest";
import { renderPolicy } from "../worker/model/policy";
import { loadModel, mallocReturnsBigBlocks, tuningForModel, WORKER_GLIBC_TUNABLES, WORKER_NODE_FLAGS } from "../worker/model/session";
import { SHARED_R50_ONNX, sharedModelFolder } from "../worker/model/test-models";
import { createRenderer } from "../worker/render/renderer";
import { buildWorker } from "./build-worker";
import { startEmbeddedServices } from "./embedded/services";
import { buildDocument } from "./fixtures/test-pdf";
import { benchMachine, machineBusyMs, machineCpuShares, machineCpuTimes, processCpuMs } from "./bench-machine";
import { freePort } from "./test/ports";
import { testContext, uploadPdf, waitFor, waitForDocument } from "./test/context";
import { recordFailedAttempts } from "./test/failed-attempts";

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const PAGES = Number(arg("pages") ?? 20);
const WORKERS = Number(arg("workers") ?? 1);
/** `--bare-pages K`: the bare figures from the first K pages only (a scale-out run needs the end-to-end part). */
const BARE_PAGES = Math.max(1, Math.min(PAGES, Number(arg("bare-pages") ?? PAGES)));
const root = path.resolve(import.meta.dirname, "..");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const procStatus = (pid: number | "self", field: string) =>
  Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]) / 1024;
const log = (line: string) => console.error(`[bench] ${line}`);

async function modelFolder(tmp: string): Promise<string> {
  const given = arg("model");
  if (given) return path.resolve(given);
  if (!existsSync(SHARED_R50_ONNX)) throw new Error(`${SHARED_R50_ONNX} not found: pass --model <folder>`);
  return sharedModelFolder(path.join(tmp, "model"), "benchmark");
}

type BarePass = { loadMs: number; tuning: unknown; renderMs: number[]; renderEncodeMs: number[]; inferMs: number[]; inferCpuMs: number[]; detections: number; host: ReturnType<typeof machineCpuShares> | null };

/** The session alone on the first BARE_PAGES pages, under the worker's settings for the folder. */
async function bare(folder: Awaited<ReturnType<typeof readModelFolder>>, pdfPath: string): Promise<BarePass> {
  const t0 = performance.now();
  // The worker's settings for this folder (arena and graph level per quantization method).
  const model = await loadModel(folder, tuningForModel(folder.manifest));
  const pass: BarePass = { loadMs: performance.now() - t0, tuning: model.tuning, renderMs: [], renderEncodeMs: [], inferMs: [], inferCpuMs: [], detections: 0, host: null };
  const host0 = machineCpuTimes();
  const renderer = createRenderer({ timeoutMs: 60_000, maxPixels: 4_000_000 });
  try {
    await renderer.open(pdfPath);
    for (let n = 1; n <= BARE_PAGES; n++) {
      const page = await renderer.render({ pdfPath, pageNumber: n, resize: renderPolicy(model), inputFormat: model.manifest.inputFormat, imageFormat: "png" });
      pass.renderMs.push(page.renderMs);
      pass.renderEncodeMs.push(page.renderMs + page.encodeMs);
      const cpu0 = process.cpuUsage();
      const result = await model.run(page.modelInput, page.modelWidth, page.modelHeight, { width: page.imageWidth, height: page.imageHeight });
      const cpu = process.cpuUsage(cpu0);
      pass.inferCpuMs.push((cpu.user + cpu.system) / 1000);
      pass.inferMs.push(result.inferMs);
      pass.detections += result.detections.length;
    }
    pass.host = machineCpuShares(host0, machineCpuTimes());
  } finally {
    await renderer.close();
    await model.release();
  }
  return pass;
}

async function main() {
  // The bare figures must come from the same session settings as the worker's (glibc reads its
  // tunables only at start, and the session's arena default follows them): run again under them.
  if (!mallocReturnsBigBlocks()) {
    const again = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      stdio: "inherit",
      env: { ...process.env, GLIBC_TUNABLES: WORKER_GLIBC_TUNABLES },
    });
    process.exit(again.status ?? 1);
  }
  const tmp = await mkdtemp(path.join(os.tmpdir(), "pagewise-bench-"));
  await chmod(tmp, 0o755);
  const pdfPath = path.join(tmp, "bench.pdf");
  await writeFile(pdfPath, buildDocument(PAGES));
  const dir = await modelFolder(tmp);
  const folder = await readModelFolder(dir);
  log(`${PAGES}-page PDF, model ${folder.manifest.id} (${folder.onnxPath})`);

  // 1. Bare: load, render every page, run the session on each, in this process; once more after the end-to-end part.
  const before = await bare(folder, pdfPath);
  const loadMs = before.loadMs;
  log(`session ${JSON.stringify(before.tuning)}, GLIBC_TUNABLES=${process.env.GLIBC_TUNABLES}`);
  log(`bare: load ${Math.round(loadMs)} ms, render ${Math.round(median(before.renderMs))} ms/page, infer ${Math.round(median(before.inferMs))} ms/page, ${before.detections} detections`);

  // 2. pdftoppm at the same resolution (PNG, like ours with encoding).
  const dpi = (800 / 612) * 72;
  let pdftoppmMsPerPage = NaN;
  try {
    const t = performance.now();
    execFileSync("pdftoppm", ["-r", dpi.toFixed(3), "-png", pdfPath, path.join(tmp, "ppm")]);
    pdftoppmMsPerPage = (performance.now() - t) / PAGES;
  } catch {
    log("pdftoppm not installed (apt-get install poppler-utils): skipped");
  }

  // 3. End to end: real Postgres, real S3 protocol, the real worker process(es), through the queue.
  const env = parseEnv({ ...process.env, DATABASE_URL: "", S3_ENDPOINT: "" });
  if (!Number.isInteger(WORKERS) || WORKERS < 1) throw new Error("--workers takes a positive whole number");
  const threadsPerWorker = Math.max(1, Math.floor((env.ORT_THREADS || os.availableParallelism()) / WORKERS));
  const services = await startEmbeddedServices(env, { dataDir: tmp, webOrigins: ["*"], pgPort: await freePort(), s3Port: await freePort(), log: () => {} });
  Object.assign(process.env, services.env, { QUEUE_SCHEMA: "graphile_worker" });
  let e2ePagesPerMin = NaN;
  let workerCpuMsPerPage = NaN;
  // Everything else on the machine meanwhile (Postgres, the S3 server and this process, which a deploy runs elsewhere).
  let otherCpuMsPerPage = NaN;
  // The worker's own figures per page (its page rows): inference there against bare says what contention costs.
  let workerInferMs = NaN;
  let workerRenderMs = NaN;
  let storedKiBPerPage = NaN;
  let storedImage = "";
  let peakRssMiB = NaN;
  let jobRetries = NaN;
  let peakRssMiBPerWorker: number[] = [];
  let readyRssMiB = NaN;
  let readyPeakRssMiB = NaN;
  let pagesPerWorker: number[] = [];
  let pagesDoneOnce = false;
  const rssSamples: number[] = [];
  let e2eHost: ReturnType<typeof machineCpuShares> | null = null;
  let after: BarePass | null = null;
  try {
    await migrateDatabase(services.env.DATABASE_URL!);
    // The worker as it is deployed: the bundle, under the worker's malloc settings. Its info lines (stdout) are
    // read, not shown: they say when it is ready and which pages it did.
    // --worker-bundle DIR: a bundle built elsewhere (another commit), to compare workers under the same conditions.
    const bundle = path.join(arg("worker-bundle") ? path.resolve(arg("worker-bundle")!) : await buildWorker(), "index.mjs");
    const workers = Array.from({ length: WORKERS }, () => {
      const child = spawn(process.execPath, [...WORKER_NODE_FLAGS, ...(process.env.BENCH_CPU_PROF ? ["--cpu-prof", "--cpu-prof-dir", process.env.BENCH_CPU_PROF] : []), bundle], {
        cwd: root,
        env: { ...process.env, GLIBC_TUNABLES: WORKER_GLIBC_TUNABLES, MODEL_DIR: dir, ORT_THREADS: String(threadsPerWorker), LOG_LEVEL: "info", NODE_ENV: "development" },
        stdio: ["ignore", "pipe", "inherit"],
      });
      const state = { child, ready: false, readyRssMiB: NaN, readyPeakRssMiB: NaN, pagesDone: [] as number[], exited: new Promise((r) => child.once("exit", r)) };
      let pending = "";
      child.stdout!.on("data", (chunk: Buffer) => {
        const lines = (pending + chunk.toString()).split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) {
          if (/worker ready/.test(line)) {
            state.ready = true;
            // Model loaded, nothing rendered yet (the render thread starts with the first PDF).
            state.readyRssMiB = procStatus(child.pid!, "VmRSS");
            // The peak so far is the model load's: what the pages add comes after.
            state.readyPeakRssMiB = procStatus(child.pid!, "VmHWM");
          }
          const page = /page done.*pageNumber=(\d+)/.exec(line);
          if (page) state.pagesDone.push(Number(page[1]));
        }
      });
      return state;
    });
    // The upload defaults to the model the worker serves (MODEL_DIR), not to models/baseline.
    const ctx = testContext({ MODEL_DIR: dir });
    try {
      await ctx.queue();
      // Failed attempts that a retry then hid (issue 14): any is a regression.
      const failedAttempts = await recordFailedAttempts(ctx.sql, "graphile_worker");
      await waitFor(async () => workers.every((w) => w.ready || w.child.exitCode !== null), { timeoutMs: 5 * 60_000, what: "workers ready" });
      if (!workers.every((w) => w.ready)) throw new Error("a worker exited before it was ready");
      const cpuBefore = workers.map((w) => processCpuMs(w.child.pid!));
      const hostBefore = machineCpuTimes();
      const doc = await uploadPdf(ctx, readFileSync(pdfPath), "bench.pdf", { model: folder.manifest.id });
      const sampler = setInterval(() => {
        try {
          rssSamples.push(Math.max(...workers.map((w) => procStatus(w.child.pid!, "VmRSS"))));
        } catch {
          // worker gone
        }
      }, 1000);
      // Once a second: each look is a query that Postgres and this process answer on the worker's cores, and the
      // figures come from the pages' own timestamps, not from when the end is seen. At 10 a second (the tests'
      // pace) the rest of the machine took 298 ms of CPU a page instead of 169 (static int8, 2-core Zen 1, ~6 s a page).
      const { doc: done, pages } = await waitForDocument(ctx, doc.id, 60 * 60_000, 1000);
      clearInterval(sampler);
      const hostAfter = machineCpuTimes();
      e2eHost = machineCpuShares(hostBefore, hostAfter);
      const workersCpuMs = workers.reduce((sum, w, i) => sum + processCpuMs(w.child.pid!) - cpuBefore[i]!, 0);
      workerCpuMsPerPage = workersCpuMs / Math.max(1, done.pagesDone);
      otherCpuMsPerPage = (machineBusyMs(hostBefore, hostAfter) - workersCpuMs) / Math.max(1, done.pagesDone);
      const started = Math.min(...pages.map((p) => p.startedAt!.getTime()));
      const finished = Math.max(...pages.map((p) => p.finishedAt!.getTime()));
      e2ePagesPerMin = (done.pagesDone * 60_000) / (finished - started);
      workerInferMs = median(pages.map((p) => p.inferMs ?? Number.NaN));
      workerRenderMs = median(pages.map((p) => p.renderMs ?? Number.NaN));
      const stored = await Promise.all(pages.map((p) => (p.imageKey ? headObject(ctx.storage, p.imageKey) : null)));
      storedKiBPerPage = median(stored.map((o) => (o ? o.size / 1024 : Number.NaN)));
      storedImage = pages[0] ? `${pages[0].imageWidth} x ${pages[0].imageHeight} ${path.extname(pages[0].imageKey ?? "").slice(1)}` : "";
      peakRssMiBPerWorker = workers.map((w) => Math.round(procStatus(w.child.pid!, "VmHWM")));
      peakRssMiB = Math.max(...peakRssMiBPerWorker);
      const failed = await failedAttempts.list();
      jobRetries = failed.length;
      for (const f of failed) log(`failed attempt: ${f.task} job ${f.jobId} (attempt ${f.attempts}): ${f.lastError}`);
      // Completions per page, counted from every worker's "page done" lines, and starts per page (the page row's
      // attempts): a page done twice, or started twice, is not "exactly once".
      const completions = new Map<number, number>();
      for (const n of workers.flatMap((w) => w.pagesDone)) completions.set(n, (completions.get(n) ?? 0) + 1);
      const pageNumbers = Array.from({ length: PAGES }, (_, i) => i + 1);
      pagesDoneOnce =
        done.pagesDone === PAGES && pageNumbers.every((n) => completions.get(n) === 1) && completions.size === PAGES && pages.every((p) => p.attempts === 1);
      if (!pagesDoneOnce) {
        log(`pages not done exactly once: completions ${JSON.stringify(Object.fromEntries(completions))}, starts ${JSON.stringify(pages.map((p) => p.attempts))}, ${done.pagesDone} of ${PAGES} done`);
      }
      pagesPerWorker = workers.map((w) => w.pagesDone.length);
      readyRssMiB = Math.max(...workers.map((w) => w.readyRssMiB));
      readyPeakRssMiB = Math.max(...workers.map((w) => w.readyPeakRssMiB));
    } finally {
      for (const w of workers) if (w.child.exitCode === null) w.child.kill("SIGTERM");
      await Promise.all(workers.map((w) => w.exited));
      await ctx.close();
    }
    // The host's speed drifts (shared vCPUs): bare figures from before and after the end-to-end part, so that
    // e2eOverBare compares it with the session alone at the same time on average, not with whichever came first.
    after = await bare(folder, pdfPath);
    log(`bare again: infer ${Math.round(median(after.inferMs))} ms/page (before: ${Math.round(median(before.inferMs))})`);
  } finally {
    await services.stop();
    await rm(tmp, { recursive: true, force: true });
  }

  const passes = after ? [before, after] : [before];
  const renderMs = passes.flatMap((p) => p.renderMs);
  const renderEncodeMs = passes.flatMap((p) => p.renderEncodeMs);
  const inferMs = passes.flatMap((p) => p.inferMs);
  const inferCpuMs = passes.flatMap((p) => p.inferCpuMs);
  const barePagesPerMin = 60_000 / mean(inferMs);
  const round = (v: number) => Math.round(v * 10) / 10;
  const tenth = (i: number) => rssSamples[Math.min(rssSamples.length - 1, Math.floor((rssSamples.length * i) / 10))] ?? NaN;
  const result = {
    pages: PAGES,
    barePages: BARE_PAGES,
    model: folder.manifest.id,
    modelKind: folder.manifest.kind,
    // The method and its source; the full provenance (and fidelity report) stays in the folder's model.json.
    quantization: folder.manifest.quantization ? { method: folder.manifest.quantization.method, source: folder.manifest.quantization.source.id } : null,
    ...benchMachine(),
    workers: WORKERS,
    ortThreadsPerWorker: threadsPerWorker,
    loadMs: Math.round(loadMs),
    renderMsPerPage: round(median(renderMs)),
    renderEncodeMsPerPage: round(median(renderEncodeMs)),
    pdftoppmMsPerPage: round(pdftoppmMsPerPage),
    inferMsPerPage: Math.round(median(inferMs)),
    // Mean session.run before and after the end-to-end part: how far the host drifted in between.
    bareMsPerPageBeforeAfter: passes.map((p) => Math.round(mean(p.inferMs))),
    // The whole machine's steal in each part (bare before, end to end, bare after) and idle end to end, in %.
    hostStealPct: [passes[0]!.host, e2eHost, passes[1]?.host].map((h) => h?.stealPct ?? null),
    hostIdlePctE2e: e2eHost?.idlePct ?? null,
    // CPU time (all threads) of one bare session.run, and of the worker processes per page through the queue.
    inferCpuMsPerPage: Math.round(median(inferCpuMs)),
    workerCpuMsPerPage: Math.round(workerCpuMsPerPage),
    otherCpuMsPerPage: Math.round(otherCpuMsPerPage),
    // The most e2eOverBare can be on this machine's cores, given the worker's CPU per page: above it no overlap helps.
    e2eOverBareCpuBound: Math.round((mean(inferMs) / (workerCpuMsPerPage / os.availableParallelism())) * 100) / 100,
    barePagesPerMin: round(barePagesPerMin),
    e2ePagesPerMin: round(e2ePagesPerMin),
    e2eOverBare: Math.round((e2ePagesPerMin / barePagesPerMin) * 100) / 100,
    workerInferMsPerPage: Math.round(workerInferMs),
    workerRenderMsPerPage: Math.round(workerRenderMs),
    displayImageWidth: env.DISPLAY_IMAGE_WIDTH,
    storedImage,
    storedKiBPerPage: Math.round(storedKiBPerPage),
    // Wall time per page through the queue that is not the worker's inference (render, storage, database, queue).
    e2eOverheadMsPerPage: Math.round(60_000 / e2ePagesPerMin - workerInferMs),
    peakRssMiB: Math.round(peakRssMiB),
    readyRssMiB: Math.round(readyRssMiB),
    readyPeakRssMiB: Math.round(readyPeakRssMiB),
    rssMiBAt: { "10%": Math.round(tenth(1)), "50%": Math.round(tenth(5)), "100%": Math.round(tenth(10)) },
    // Flat memory: the range of RSS over the second half of the document.
    rssMiBSecondHalf: [Math.round(Math.min(...rssSamples.slice(rssSamples.length >> 1))), Math.round(Math.max(...rssSamples.slice(rssSamples.length >> 1)))],
    jobRetries,
    pagesDoneOnce,
    pagesPerWorker,
    peakRssMiBPerWorker,
  };
  console.log(
    [
      `| figure | value |`,
      `| --- | --- |`,
      `| model load | ${result.loadMs} ms |`,
      `| render (pdf.js + canvas), median | ${result.renderMsPerPage} ms/page |`,
      `| render + PNG encode, median | ${result.renderEncodeMsPerPage} ms/page |`,
      `| pdftoppm -png, same resolution | ${result.pdftoppmMsPerPage} ms/page |`,
      `| inference (session.run), median | ${result.inferMsPerPage} ms/page |`,
      `| bare session.run throughput | ${result.barePagesPerMin} pages/min (mean ${result.bareMsPerPageBeforeAfter.join(" / ")} ms/page before / after the end-to-end part) |`,
      `| end to end through the queue | ${result.e2ePagesPerMin} pages/min (${result.e2eOverBare} x bare) |`,
      `| CPU per page end to end: worker / the rest of the machine (Postgres, S3, this process) | ${result.workerCpuMsPerPage} / ${result.otherCpuMsPerPage} ms |`,
      `| host steal (bare / end to end / bare), idle end to end | ${result.hostStealPct.join(" / ")} %, ${result.hostIdlePctE2e} % |`,
      `| inference in the worker, median | ${result.workerInferMsPerPage} ms/page (render ${result.workerRenderMsPerPage} ms; other wall time ${result.e2eOverheadMsPerPage} ms/page) |`,
      `| viewer image stored per page (DISPLAY_IMAGE_WIDTH=${result.displayImageWidth}) | ${result.storedImage}, ${result.storedKiBPerPage} KiB median |`,
      `| worker peak RSS (VmHWM) | ${result.peakRssMiB} MiB |`,
      `| worker RSS when ready (model loaded, before the first page) | ${result.readyRssMiB} MiB (peak while loading ${result.readyPeakRssMiB} MiB) |`,
      `| worker RSS at 10 / 50 / 100 % | ${result.rssMiBAt["10%"]} / ${result.rssMiBAt["50%"]} / ${result.rssMiBAt["100%"]} MiB |`,
      `| worker RSS over the second half, min - max | ${result.rssMiBSecondHalf[0]} - ${result.rssMiBSecondHalf[1]} MiB |`,
      `| failed job attempts (retried) | ${result.jobRetries} |`,
      `| workers x onnxruntime threads | ${result.workers} x ${result.ortThreadsPerWorker} (pages per worker: ${result.pagesPerWorker.join(" / ")}) |`,
      `| every page done exactly once | ${result.pagesDoneOnce ? "yes" : "NO"} |`,
      `| model, CPU | ${result.model} (${result.modelKind}${result.quantization ? `, ${result.quantization.method} int8` : ""}), ${result.cpu}${result.cpuFamilyModel ? ` (family/model ${result.cpuFamilyModel})` : ""} [${result.cpuFlags.join(" ")}] |`,
    ].join("\n"),
  );
  console.log(JSON.stringify(result));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
