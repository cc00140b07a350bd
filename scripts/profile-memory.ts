/**
 * `GLIBC_TUNABLES=<WORKER_GLIBC_TUNABLES> node --import ./worker/resolve-ts.ts scripts/profile-memory.ts <model.onnx>
 *   [--level layout] [--runs 2] [--rows 60]`: where in the graph one session.run peaks. The session runs (2 threads,
 * arena off, pattern off) on the shared sample page at 800x1035, `--runs` times to warm up, then once more with
 * onnxruntime's profiler on while a second thread samples VmRSS every ~0.5 ms (session.run holds the calling
 * thread, so the sampler cannot live there). Prints RSS when loaded and at the start of the run, the peak, then
 * `--rows` rows: time into the run, RSS, and the node onnxruntime was executing. Start it under the worker's
 * glibc tunables (printed below if not): they decide what RSS shows.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import * as ort from "onnxruntime-node";
import { sessionOptions, WORKER_GLIBC_TUNABLES, type SessionTuning } from "../worker/model/session";
import { SHARED_R50_ONNX } from "../worker/model/test-models";

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const model = process.argv[2];
if (!model || model.startsWith("--")) {
  console.error("usage: scripts/profile-memory.ts <model.onnx> [--level layout] [--runs 2] [--rows 60]");
  process.exit(2);
}
if (process.env.GLIBC_TUNABLES !== WORKER_GLIBC_TUNABLES) console.error(`note: the worker runs with GLIBC_TUNABLES=${WORKER_GLIBC_TUNABLES}`);
const SAMPLE = path.join(path.dirname(SHARED_R50_ONNX), "sample-page-input-3x1035x800-bgr-u8.bin");
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))![1]) / 1024;

const profileDir = mkdtempSync(path.join(tmpdir(), "pagewise-memory-"));
const tuning: SessionTuning = { intraOpNumThreads: 2, enableCpuMemArena: false, enableMemPattern: false, graphOptimizationLevel: (arg("level") ?? "layout") as SessionTuning["graphOptimizationLevel"] };
const session = await ort.InferenceSession.create(model, { ...sessionOptions(tuning), enableProfiling: true, profileFilePrefix: path.join(profileDir, "run") });
const loaded = rss();
const feeds = { [session.inputNames[0]!]: new ort.Tensor("float32", Float32Array.from(readFileSync(SAMPLE)), [3, 1035, 800]) };
for (let i = 0; i < Number(arg("runs") ?? 2); i++) for (const t of Object.values(await session.run(feeds))) (t as ort.Tensor).dispose();

// The sampler: [time since origin in ms, RSS MiB] pairs in shared memory, until told to stop.
const samples = new Float64Array(new SharedArrayBuffer(8 * 400_000));
const control = new Int32Array(new SharedArrayBuffer(8));
const sampler = new Worker(
  `const { workerData } = require("node:worker_threads"); const { readFileSync } = require("node:fs");
  const [out, control, nap] = [new Float64Array(workerData.samples), new Int32Array(workerData.control), new Int32Array(new SharedArrayBuffer(4))];
  let i = 0;
  while (Atomics.load(control, 0) === 0) Atomics.wait(nap, 0, 0, 0.2);
  while (Atomics.load(control, 0) === 1 && i < out.length - 2) {
    out[i++] = performance.timeOrigin + performance.now();
    out[i++] = Number(/VmRSS:\\s+(\\d+)/.exec(readFileSync("/proc/self/status", "utf8"))[1]) / 1024;
    Atomics.wait(nap, 0, 0, 0.5);
  }
  control[1] = i;
  Atomics.store(control, 0, 3);`,
  { eval: true, workerData: { samples: samples.buffer, control: control.buffer } },
);
const t0 = performance.timeOrigin + performance.now();
Atomics.store(control, 0, 1);
for (const t of Object.values(await session.run(feeds))) (t as ort.Tensor).dispose();
Atomics.compareExchange(control, 0, 1, 2);
while (Atomics.load(control, 0) !== 3) await new Promise((r) => setTimeout(r, 5));
await sampler.terminate();
session.endProfiling();
await session.release();

type Event = { cat: string; name: string; ts: number; dur: number; args?: { op_name?: string } };
const events = JSON.parse(readFileSync(path.join(profileDir, readdirSync(profileDir)[0]!), "utf8")) as Event[];
rmSync(profileDir, { recursive: true, force: true });
const run = events.filter((e) => e.name === "model_run").at(-1)!;
const nodes = events
  .filter((e) => e.cat === "Node" && e.name.endsWith("_kernel_time") && e.ts >= run.ts)
  .map((e) => ({ start: (e.ts - run.ts) / 1000, end: (e.ts - run.ts + e.dur) / 1000, name: e.name.replace(/_kernel_time$/, ""), op: e.args?.op_name ?? "" }));
const points: [number, number][] = [];
for (let i = 0; i + 1 < control[1]!; i += 2) points.push([samples[i]! - t0, samples[i + 1]!]);
const runMs = run.dur / 1000;
// The sampler's clock and the profiler's differ by the call's own overhead: scale sample times onto the run.
const scale = runMs / Math.max(1, points.at(-1)?.[0] ?? 1);
console.log(JSON.stringify({ model, level: tuning.graphOptimizationLevel, loadedMiB: Math.round(loaded), runStartMiB: Math.round(points[0]?.[1] ?? Number.NaN), peakMiB: Math.round(Math.max(...points.map((p) => p[1]))), runMs: Math.round(runMs), samples: points.length }));
const rows = Number(arg("rows") ?? 60);
let shown = -1;
for (const [t, mib] of points) {
  const at = t * scale;
  const row = Math.floor((at / runMs) * rows);
  if (row === shown) continue;
  shown = row;
  const node = nodes.find((n) => n.start <= at && at <= n.end) ?? nodes.filter((n) => n.start <= at).at(-1);
  console.log(`${at.toFixed(0).padStart(6)} ms ${mib.toFixed(0).padStart(5)} MiB  ${node ? `${node.op} ${node.name}` : ""}`);
}
