/**
 * `node --import ./worker/resolve-ts.ts scripts/profile-ops.ts --models fp32=a.onnx,static=b.onnx [--rounds 3] [--runs 5]
 *   [--threads 2] [--level extended] [--arena] [--extra '{"session":{...}}'] [--no-profile]`
 *   (a model may carry its own settings: `label=file.onnx:arena:noprepack:envalloc:initdev:t1:basic`):
 * where an int8 model's time goes, next to fp32. Every model runs in a fresh child process under the worker's
 * settings (WORKER_GLIBC_TUNABLES, arena off unless --arena, graph level `extended`) on the shared sample page
 * at 800x1035, models interleaved round-robin so load from other work on the machine spreads over all of them:
 * ms/page (median of the rounds' medians), its ratio to the first model, peak RSS (VmHWM). Then, unless
 * --no-profile, one more child per model with onnxruntime's profiler on: milliseconds per run by op type
 * (the optimised graph's kernels, e.g. QLinearConv, and which Q/DQ nodes were left unfused).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { SHARED_R50_ONNX } from "../worker/model/test-models";
import { benchMachine, processCpuMs } from "./bench-machine";
import { runChildForJson } from "./child-json";
import { sessionOptions, WORKER_GLIBC_TUNABLES, type SessionTuning } from "../worker/model/session";

const SAMPLE = path.join(path.dirname(SHARED_R50_ONNX), "sample-page-input-3x1035x800-bgr-u8.bin");
const [W, H] = [800, 1035];
const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const status = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync("/proc/self/status", "utf8"))?.[1]) / 1024;

const baseTuning: SessionTuning = {
  intraOpNumThreads: Number(arg("threads") ?? 2),
  enableCpuMemArena: process.argv.includes("--arena"),
  enableMemPattern: false,
  graphOptimizationLevel: (arg("level") ?? "extended") as SessionTuning["graphOptimizationLevel"],
  extra: arg("extra") ? (JSON.parse(arg("extra")!) as Record<string, unknown>) : {},
};
/** Per-model setting tokens after the file, `label=file.onnx:arena:noprepack:t1:basic`. */
function tuningOf(tokens: string[]): SessionTuning {
  const t: SessionTuning = { ...baseTuning, extra: { ...baseTuning.extra } };
  const session: Record<string, string> = {};
  for (const token of tokens) {
    if (token === "arena") t.enableCpuMemArena = true;
    else if (token === "noarena") t.enableCpuMemArena = false;
    else if (token === "noprepack") session.disable_prepacking = "1";
    else if (token === "envalloc") session.use_env_allocators = "1";
    else if (token === "initdev") session.use_device_allocator_for_initializers = "1";
    else if (/^t\d+$/.test(token)) t.intraOpNumThreads = Number(token.slice(1));
    else if (["disabled", "basic", "extended", "layout", "all"].includes(token)) t.graphOptimizationLevel = token as SessionTuning["graphOptimizationLevel"];
    else throw new Error(`unknown setting ${token}`);
  }
  if (Object.keys(session).length) t.extra = { ...t.extra, session };
  return t;
}
const [childFile, ...childTokens] = (arg("model") ?? "").split(":");
const tuning = tuningOf(childTokens);

type Timed = { msPerRun: number; cpuMsPerRun: number; peakMiB: number; loadedMiB: number };
type Profiled = { byOp: Record<string, { ms: number; nodes: number }>; runMs: number };

async function timed(model: string, runs: number): Promise<Timed> {
  const session = await ort.InferenceSession.create(model, sessionOptions(tuning));
  const loadedMiB = status("VmRSS");
  const feeds = { [session.inputNames[0]!]: new ort.Tensor("float32", Float32Array.from(readFileSync(SAMPLE)), [3, H, W]) };
  const times: number[] = [];
  let cpu0 = 0;
  for (let i = 0; i <= runs; i++) {
    if (i === 1) cpu0 = processCpuMs();
    const t = performance.now();
    const out = await session.run(feeds);
    if (i) times.push(performance.now() - t);
    for (const o of Object.values(out)) (o as ort.Tensor).dispose();
  }
  return { msPerRun: median(times), cpuMsPerRun: (processCpuMs() - cpu0) / runs, peakMiB: status("VmHWM"), loadedMiB };
}

type TraceEvent = { cat?: string; name?: string; ts: number; dur: number; args?: { op_name?: string } };

async function profiled(model: string, runs: number): Promise<Profiled> {
  const dir = mkdtempSync(path.join(tmpdir(), "pagewise-profile-"));
  try {
    const session = await ort.InferenceSession.create(model, { ...sessionOptions(tuning), enableProfiling: true, profileFilePrefix: path.join(dir, "p") });
    const feeds = { [session.inputNames[0]!]: new ort.Tensor("float32", Float32Array.from(readFileSync(SAMPLE)), [3, H, W]) };
    for (let i = 0; i <= runs; i++) {
      const out = await session.run(feeds);
      for (const o of Object.values(out)) (o as ort.Tensor).dispose();
    }
    session.endProfiling();
    await session.release();
    const file = readdirSync(dir).find((f) => f.endsWith(".json"));
    if (!file) throw new Error("onnxruntime wrote no profile");
    const events = JSON.parse(readFileSync(path.join(dir, file), "utf8")) as TraceEvent[];
    // The first run (warm-up) is left out: node events count only inside the later model_run spans.
    const spans = events.filter((e) => e.name === "model_run").sort((a, b) => a.ts - b.ts).slice(1);
    const inTimed = (e: TraceEvent) => spans.some((s) => e.ts >= s.ts && e.ts <= s.ts + s.dur);
    const byOp: Profiled["byOp"] = {};
    const nodes = new Map<string, Set<string>>();
    for (const e of events) {
      if (e.cat !== "Node" || !e.name?.endsWith("_kernel_time") || !inTimed(e)) continue;
      const op = e.args?.op_name ?? "?";
      byOp[op] ??= { ms: 0, nodes: 0 };
      byOp[op].ms += e.dur / 1000 / spans.length;
      if (!nodes.has(op)) nodes.set(op, new Set());
      nodes.get(op)!.add(e.name);
    }
    for (const [op, set] of nodes) byOp[op]!.nodes = set.size;
    return { byOp, runMs: median(spans.map((s) => s.dur / 1000)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function spawnChild<T>(mode: "time" | "profile", model: string, runs: number): Promise<T> {
  const args = [...process.argv.slice(2), "--child", mode, "--model", model, "--runs", String(runs)];
  return runChildForJson<T>(import.meta.filename, args, { ...process.env, GLIBC_TUNABLES: WORKER_GLIBC_TUNABLES }, `${mode} ${model}`);
}

const mode = arg("child");
const runs = Number(arg("runs") ?? 5);
if (mode) {
  console.log(JSON.stringify(mode === "profile" ? await profiled(childFile!, runs) : await timed(childFile!, runs)));
} else {
  const models = (arg("models") ?? `fp32=${SHARED_R50_ONNX}`).split(",").map((pair) => pair.split("=") as [string, string]);
  const rounds = Number(arg("rounds") ?? 3);
  const machine = benchMachine();
  console.log(`CPU: ${machine.cpu} (family/model ${machine.cpuFamilyModel ?? "?"}) x ${cpus().length}; flags: ${machine.cpuFlags.join(" ")}`);
  console.log(`settings: ${JSON.stringify(baseTuning)}, GLIBC_TUNABLES=${WORKER_GLIBC_TUNABLES}; ${rounds} rounds x (1 warm-up + ${runs} runs), ${W}x${H}`);
  const results = new Map<string, Timed[]>(models.map(([label]) => [label, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [label, file] of models) {
      const res = await spawnChild<Timed>("time", file, runs);
      results.get(label)!.push(res);
      console.error(`[round ${r + 1}] ${label}: ${Math.round(res.msPerRun)} ms/page, CPU ${Math.round(res.cpuMsPerRun)} ms/page, peak ${Math.round(res.peakMiB)} MiB`);
    }
  }
  const first = results.get(models[0]![0])!;
  const base = median(first.map((x) => x.msPerRun));
  const baseCpu = median(first.map((x) => x.cpuMsPerRun));
  // Per round, each model against the first model's run of that round: load drifts less within a round.
  const roundRatio = (rs: Timed[], k: "msPerRun" | "cpuMsPerRun") => median(rs.map((x, i) => x[k] / first[i]![k]));
  console.log(`\n| variant | wall ms/page (median) | ratio | ratio per round (median) | CPU ms/page (median) | CPU ratio | peak MiB (VmHWM) | RSS after load MiB |\n| --- | --- | --- | --- | --- | --- | --- | --- |`);
  for (const [label, rs] of results) {
    const ms = median(rs.map((x) => x.msPerRun));
    const cpu = median(rs.map((x) => x.cpuMsPerRun));
    console.log(
      `| ${label} | ${Math.round(ms)} | ${(ms / base).toFixed(2)} | ${roundRatio(rs, "msPerRun").toFixed(2)} | ${Math.round(cpu)} | ${(cpu / baseCpu).toFixed(2)} | ${Math.round(Math.max(...rs.map((x) => x.peakMiB)))} | ${Math.round(median(rs.map((x) => x.loadedMiB)))} |`,
    );
  }
  if (!process.argv.includes("--no-profile")) {
    const profiles = new Map<string, Profiled>();
    for (const [label, file] of models) profiles.set(label, await spawnChild<Profiled>("profile", file, Math.min(runs, 3)));
    const ops = [...new Set([...profiles.values()].flatMap((p) => Object.keys(p.byOp)))];
    const total = (op: string) => Math.max(...[...profiles.values()].map((p) => p.byOp[op]?.ms ?? 0));
    ops.sort((a, b) => total(b) - total(a));
    const labels = [...profiles.keys()];
    console.log(`\nms per run by op type, profiled (nodes in brackets)\n| op | ${labels.join(" | ")} |\n| --- |${labels.map(() => " --- |").join("")}`);
    for (const op of ops) {
      const cells = labels.map((l) => {
        const x = profiles.get(l)!.byOp[op];
        return x ? `${x.ms.toFixed(1)} (${x.nodes})` : "";
      });
      console.log(`| ${op} | ${cells.join(" | ")} |`);
    }
    console.log(`| (model_run, profiled) | ${labels.map((l) => profiles.get(l)!.runMs.toFixed(0)).join(" | ")} |`);
  }
}
