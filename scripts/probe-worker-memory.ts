/**
 * `npx tsx scripts/probe-worker-memory.ts [--model DIR]`: where the worker's memory outside the onnxruntime session
 * goes. A fresh plain-Node process (no tsx, the worker's glibc tunables) loads what the worker bundle loads, step
 * by step, and prints VmRSS after each (after a full GC), then starts the bundle's render thread and renders
 * 3 pages. Packages are loaded as Node loads them (the bundle links zod, drizzle-orm and the AWS SDK itself), so
 * the steps size each part; the worker's own figures come from `npm run bench` (readyRssMiB, peakRssMiB).
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { readModelFolder } from "../worker/model/manifest";
import { WORKER_GLIBC_TUNABLES } from "../worker/model/session";
import { RENDER_THREAD_HEAP_MB, RENDER_THREAD_YOUNG_MB } from "../worker/start";
import { buildWorker } from "./build-worker";
import { buildDocument } from "./fixtures/test-pdf";

const root = path.resolve(import.meta.dirname, "..");
const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};

const child = (bundleDir: string, pdfPath: string, onnxPath: string, threadFlags: string) => `
import { readFileSync } from "node:fs";
import { Worker } from "node:worker_threads";
const field = (f) => Number(new RegExp(f + ":\\\\s+(\\\\d+)").exec(readFileSync("/proc/self/status", "utf8"))[1]) / 1024;
const smaps = () => Object.fromEntries([...readFileSync("/proc/self/smaps_rollup", "utf8").matchAll(/^(Rss|Anonymous|Private_Dirty|Shared_Clean|Private_Clean):\\s+(\\d+)/gm)].map((m) => [m[1], Math.round(Number(m[2]) / 1024)]));
let last = 0;
const step = (what) => {
  globalThis.gc?.();
  const rss = field("VmRSS");
  console.log(JSON.stringify({ what, rssMiB: Math.round(rss), deltaMiB: Math.round(rss - last), heapMiB: Math.round(process.memoryUsage().heapUsed / 2 ** 20) }));
  last = rss;
};
step("node");
await import("zod"); step("zod");
await import("postgres"); step("postgres (postgres.js)");
await import("@aws-sdk/client-s3"); step("@aws-sdk/client-s3");
await import("@aws-sdk/s3-request-presigner"); step("@aws-sdk/s3-request-presigner");
await import("graphile-worker"); step("graphile-worker (+ pg)");
const ort = await import("onnxruntime-node"); step("onnxruntime-node (addon, no session)");
const session = await ort.InferenceSession.create(${JSON.stringify(onnxPath)}, { enableCpuMemArena: false, enableMemPattern: false });
step("a session of the model (--model; default the baseline, tiny weights)");
await session.release();
const thread = new Worker(new URL("file://${bundleDir}/render-thread.mjs"), { execArgv: [], resourceLimits: ${threadFlags} });
await new Promise((resolve) => thread.once("message", resolve));
step("render thread ready (isolate + pdf.js + canvas)");
const ask = (msg) => new Promise((resolve) => { thread.once("message", resolve); thread.postMessage(msg); });
await ask({ id: 1, type: "open", pdfPath: ${JSON.stringify(pdfPath)} });
const drawStart = performance.now();
for (let n = 1; n <= 3; n++) await ask({ id: 1 + n, type: "render", maxPixels: 4000000, request: { pdfPath: ${JSON.stringify(pdfPath)}, pageNumber: n, resize: { type: "shortest-edge", shortestEdge: 800, maxSize: 1333 }, inputFormat: "BGR", imageFormat: "webp" } });
step("3 pages rendered");
console.log(JSON.stringify({ what: "3 pages, wall time", ms: Math.round(performance.now() - drawStart) }));
console.log(JSON.stringify({ what: "peak", hwmMiB: Math.round(field("VmHWM")), smaps: smaps() }));
await thread.terminate();
step("render thread terminated");
`;

async function main() {
  const tmp = await mkdtemp(path.join(os.tmpdir(), "pagewise-probe-"));
  const pdfPath = path.join(tmp, "probe.pdf");
  await writeFile(pdfPath, buildDocument(3));
  const bundleDir = await buildWorker(path.join(root, "dist", "probe-worker")); // under the repo: it resolves node_modules
  const modelDir = path.resolve(arg("model") ?? path.join(root, "models", "baseline"));
  const { onnxPath } = await readModelFolder(modelDir);
  // The worker's limits (worker/start.ts); --thread-limits '{ ... }' tries others.
  const threadFlags = arg("thread-limits") ?? `{ maxOldGenerationSizeMb: ${RENDER_THREAD_HEAP_MB}, maxYoungGenerationSizeMb: ${RENDER_THREAD_YOUNG_MB} }`;
  const run = spawnSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", child(bundleDir, pdfPath, onnxPath, threadFlags)], {
    cwd: root,
    env: { ...process.env, GLIBC_TUNABLES: WORKER_GLIBC_TUNABLES },
    encoding: "utf8",
  });
  process.stdout.write(run.stdout);
  process.stderr.write(run.stderr);
  process.exit(run.status ?? 1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
