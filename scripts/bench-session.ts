/**
 * `node --import ./worker/resolve-ts.ts scripts/bench-session.ts [--rounds 2] [--runs 10] [--all | --only name,name] [--model file.onnx] [--pages N]`:
 * onnxruntime session options against memory and speed, on the Detectron2 R50-FPN export from
 * ../shared/models at 800x1035.
 *
 * Each variant runs in a fresh child process (VmHWM is per process): load, 1 warm-up and N timed runs on
 * the shared sample page, then 2 all-white pages. Variants are interleaved round-robin over the rounds so
 * that load on this machine from other work spreads over all of them; the table shows medians over rounds
 * for times and the highest peak seen.
 *
 * `--models fp32=a.onnx,static=b.onnx,...` runs each model (e.g. the folders `npm run model:optimize` writes) under
 * the worker's settings with the arena off and on (both under WORKER_GLIBC_TUNABLES), interleaved the same way.
 *
 * `--pages N` instead runs N pages of mixed sizes (Letter, A4, landscape, long) per variant and prints RSS
 * after every page: memory must stay flat over a long document.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { SHARED_R50_ONNX } from "../worker/model/test-models";
import { RUNTIME, runChildForJson } from "./child-json";
import { DEFAULT_TUNING, sessionOptions, WORKER_GLIBC_TUNABLES, type SessionTuning } from "../worker/model/session";

const SHARED = path.dirname(SHARED_R50_ONNX);
const SAMPLE = path.join(SHARED, "sample-page-input-3x1035x800-bgr-u8.bin");
const [W, H] = [800, 1035];
/** Children run the way the worker does: Node's own type stripping (see worker/resolve-ts.ts), not tsx. */

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};

type Variant = {
  /** Spelled out in full, so the Pagewise defaults in session.ts do not leak into the comparison. */
  tuning: Required<SessionTuning>;
  load?: "path" | "buffer";
  /** Process environment for the child, e.g. glibc malloc tunables. */
  env?: Record<string, string>;
};

const ORT_DEFAULTS: Required<SessionTuning> = {
  intraOpNumThreads: 0,
  enableCpuMemArena: true,
  enableMemPattern: true,
  graphOptimizationLevel: "all",
  executionMode: "sequential",
  allowSpinning: true,
  extra: {},
};
const v = (tuning: Partial<SessionTuning>, more: Omit<Variant, "tuning"> = {}): Variant => ({ tuning: { ...ORT_DEFAULTS, ...tuning }, ...more });
const OFF_BASIC = { enableMemPattern: false, graphOptimizationLevel: "basic" } as const;
const OFF_EXT = { enableMemPattern: false, graphOptimizationLevel: "extended" } as const;
const NO_ARENA = { enableCpuMemArena: false } as const;
const GLIBC_RETURN = { GLIBC_TUNABLES: "glibc.malloc.mmap_threshold=1048576" };
const GLIBC_RETURN_THP = { GLIBC_TUNABLES: WORKER_GLIBC_TUNABLES };
// The opposite of returning: keep freed memory in the heap (glibc caps its dynamic mmap threshold at
// 32 MiB; R50-FPN tensors at 800x1035 are up to ~55 MB).
const GLIBC_KEEP = { GLIBC_TUNABLES: "glibc.malloc.mmap_threshold=268435456:glibc.malloc.trim_threshold=268435456:glibc.malloc.arena_max=2" };

/** The options asked about plus the finalists; `--all` adds the exploration below. */
export const variants: Record<string, Variant> = {
  "ORT defaults (arena + pattern + all)": v({}),
  "arena off": v(NO_ARENA),
  "pattern off": v({ enableMemPattern: false }),
  "pattern off + basic": v(OFF_BASIC),
  "pattern off + extended": v(OFF_EXT),
  "pattern off + basic + 1 thread": v({ ...OFF_BASIC, intraOpNumThreads: 1 }),
  "pattern off + basic + disable_prepacking": v({ ...OFF_BASIC, extra: { session: { disable_prepacking: "1" } } }),
  "arena off + pattern off + basic": v({ ...OFF_BASIC, ...NO_ARENA }),
  "pattern off + extended + 2 threads": v({ ...OFF_EXT, intraOpNumThreads: 2 }),
  "arena off + pattern off + extended + 2 threads + glibc return + THP": v({ ...OFF_EXT, ...NO_ARENA, intraOpNumThreads: 2 }, { env: GLIBC_RETURN_THP }),
  // DEFAULT_TUNING is evaluated in the child, under the child's environment.
  "Pagewise defaults": { tuning: DEFAULT_TUNING },
  "Pagewise defaults + worker env (WORKER_GLIBC_TUNABLES)": { tuning: DEFAULT_TUNING, env: GLIBC_RETURN_THP },
};

// glibc return: every block over 1 MiB is its own mmap, unmapped when freed, so RSS follows the live
// tensors (a fixed threshold also stops glibc from raising it); THP (glibc.malloc.hugetlb=1; the kernel's
// THP mode is madvise here) makes the resulting page faults far cheaper.
export const exploration: Record<string, Variant> = {
  "pattern off + extended + 2 threads + glibc return + THP": v({ ...OFF_EXT, intraOpNumThreads: 2 }, { env: GLIBC_RETURN_THP }),
  "pattern off + layout": v({ enableMemPattern: false, graphOptimizationLevel: "layout" }),
  "pattern off + disabled": v({ enableMemPattern: false, graphOptimizationLevel: "disabled" }),
  "pattern off + basic + use_env_allocators": v({ ...OFF_BASIC, extra: { session: { use_env_allocators: "1" } } }),
  "pattern off + basic + initializers outside arena": v({ ...OFF_BASIC, extra: { session: { use_device_allocator_for_initializers: "1" } } }),
  "pattern off + basic + parallel": v({ ...OFF_BASIC, executionMode: "parallel" }),
  "pattern off + basic + no spinning": v({ ...OFF_BASIC, extra: { session: { "intra_op.allow_spinning": "0" } } }),
  "pattern off + basic + from a buffer": v(OFF_BASIC, { load: "buffer" }),
  "pattern off + basic + 2 threads": v({ ...OFF_BASIC, intraOpNumThreads: 2 }),
  "pattern off + basic + THP": v(OFF_BASIC, { env: { GLIBC_TUNABLES: "glibc.malloc.hugetlb=1" } }),
  "basic (pattern on)": v({ graphOptimizationLevel: "basic" }),
  "arena off + basic (pattern on)": v({ graphOptimizationLevel: "basic", ...NO_ARENA }),
  "arena off + basic (pattern on) + glibc return + THP": v({ graphOptimizationLevel: "basic", ...NO_ARENA }, { env: GLIBC_RETURN_THP }),
  "arena off + basic (pattern on) + 1 thread + glibc return + THP": v({ graphOptimizationLevel: "basic", ...NO_ARENA, intraOpNumThreads: 1 }, { env: GLIBC_RETURN_THP }),
  "arena off + pattern off + basic + glibc keep": v({ ...OFF_BASIC, ...NO_ARENA }, { env: GLIBC_KEEP }),
  "arena off + pattern off + extended + glibc keep": v({ ...OFF_EXT, ...NO_ARENA }, { env: GLIBC_KEEP }),
  "arena off + pattern off + basic + MALLOC_ARENA_MAX=1": v({ ...OFF_BASIC, ...NO_ARENA }, { env: { MALLOC_ARENA_MAX: "1" } }),
  "arena off + pattern off + basic + glibc return": v({ ...OFF_BASIC, ...NO_ARENA }, { env: GLIBC_RETURN }),
  "arena off + pattern off + basic + glibc return + THP": v({ ...OFF_BASIC, ...NO_ARENA }, { env: GLIBC_RETURN_THP }),
  "arena off + pattern off + basic + 1 thread + glibc return + THP": v({ ...OFF_BASIC, ...NO_ARENA, intraOpNumThreads: 1 }, { env: GLIBC_RETURN_THP }),
  "arena off + pattern off + basic + 2 threads + glibc return + THP": v({ ...OFF_BASIC, ...NO_ARENA, intraOpNumThreads: 2 }, { env: GLIBC_RETURN_THP }),
  "arena off + pattern off + extended + glibc return + THP": v({ ...OFF_EXT, ...NO_ARENA }, { env: GLIBC_RETURN_THP }),
  "arena off + pattern off + basic + glibc return 1M + THP + arena_max 1": v({ ...OFF_BASIC, ...NO_ARENA }, { env: { GLIBC_TUNABLES: `${WORKER_GLIBC_TUNABLES}:glibc.malloc.arena_max=1` } }),
  "arena off + pattern off + basic + glibc return 4M + THP": v({ ...OFF_BASIC, ...NO_ARENA }, { env: { GLIBC_TUNABLES: "glibc.malloc.mmap_threshold=4194304:glibc.malloc.hugetlb=1" } }),
  "arena off + pattern off + basic + glibc return 16M + THP": v({ ...OFF_BASIC, ...NO_ARENA }, { env: { GLIBC_TUNABLES: "glibc.malloc.mmap_threshold=16777216:glibc.malloc.hugetlb=1" } }),
};
const allVariants: Record<string, Variant> = { ...variants, ...exploration };

type Result = {
  baseMiB: number;
  loadMs: number;
  rssLoadedMiB: number;
  peakLoadMiB: number;
  firstRunMs: number;
  msPerRun: number;
  rssWarmMiB: number;
  rssAfterMiB: number;
  peakMiB: number;
  whiteDetections: number[];
  whiteError?: string;
  faultsPerRun: number;
  userMsPerRun: number;
  sysMsPerRun: number;
};

const statFields = () => readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ");
const minorFaults = () => Number(statFields()[7]);
/** User and system CPU seconds of this process so far (all threads). */
const cpuSeconds = () => {
  const f = statFields();
  return { user: Number(f[11]) / 100, sys: Number(f[12]) / 100 };
};
const status = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync("/proc/self/status", "utf8"))?.[1]) / 1024;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function child(model: string, variant: Variant, runs: number): Promise<Result> {
  const baseMiB = status("VmRSS");
  const t0 = performance.now();
  const options = sessionOptions(variant.tuning);
  const session =
    variant.load === "buffer"
      ? await ort.InferenceSession.create(readFileSync(model), options)
      : await ort.InferenceSession.create(model, options);
  const loadMs = performance.now() - t0;
  const rssLoadedMiB = status("VmRSS");
  const peakLoadMiB = status("VmHWM");
  const name = session.inputNames[0]!;
  const page = Float32Array.from(readFileSync(SAMPLE));
  const run = async (data: Float32Array) => {
    const out = await session.run({ [name]: new ort.Tensor("float32", data, [3, H, W]) });
    const n = (out[session.outputNames[0]!] as ort.Tensor).dims[0] ?? -1;
    for (const t of Object.values(out)) (t as ort.Tensor).dispose();
    return n;
  };
  let t = performance.now();
  await run(page);
  const firstRunMs = performance.now() - t;
  const rssWarmMiB = status("VmRSS");
  const times: number[] = [];
  const faults0 = minorFaults();
  const cpu0 = cpuSeconds();
  for (let i = 0; i < runs; i++) {
    t = performance.now();
    await run(page);
    times.push(performance.now() - t);
  }
  const faultsPerRun = (minorFaults() - faults0) / runs;
  const cpu1 = cpuSeconds();
  const userMsPerRun = ((cpu1.user - cpu0.user) * 1000) / runs;
  const sysMsPerRun = ((cpu1.sys - cpu0.sys) * 1000) / runs;
  const white = new Float32Array(3 * H * W).fill(255);
  const whiteDetections: number[] = [];
  let whiteError: string | undefined;
  try {
    for (let i = 0; i < 2; i++) whiteDetections.push(await run(white));
  } catch (error) {
    whiteError = String(error).slice(0, 200);
  }
  return { baseMiB, loadMs, rssLoadedMiB, peakLoadMiB, firstRunMs, msPerRun: median(times), rssWarmMiB, rssAfterMiB: status("VmRSS"), peakMiB: status("VmHWM"), whiteDetections, whiteError, faultsPerRun, userMsPerRun, sysMsPerRun };
}

/** Page sizes of real documents at shortest edge 800 / max 1333: US Letter, A4, landscape Letter, a long page. */
const MIXED_SIZES: [number, number][] = [
  [800, 1035],
  [800, 1131],
  [1035, 800],
  [750, 1333],
];

/** `--pages N`: N runs cycling through MIXED_SIZES (the sample tiled into each), RSS after every page. */
async function flatness(model: string, variant: Variant, pages: number) {
  const session = await ort.InferenceSession.create(model, sessionOptions(variant.tuning));
  const sample = readFileSync(SAMPLE);
  const inputs = MIXED_SIZES.map(([w, h]) => {
    const data = new Float32Array(3 * w * h);
    for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[(c * h + y) * w + x] = sample[(c * H + (y % H)) * W + (x % W)]!;
    return { w, h, data };
  });
  const rss: number[] = [];
  const times: number[] = [];
  for (let i = 0; i < pages; i++) {
    const { w, h, data } = inputs[i % inputs.length]!;
    const t = performance.now();
    const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor("float32", data, [3, h, w]) });
    times.push(performance.now() - t);
    for (const o of Object.values(out)) (o as ort.Tensor).dispose();
    rss.push(Math.round(status("VmRSS")));
  }
  return { rss, msPerRun: median(times), peakMiB: status("VmHWM") };
}

function spawnChild(model: string, name: string, variant: Variant, runs: number): Promise<Result> {
  const args = ["--child", name, "--model", model, "--runs", String(runs)];
  return runChildForJson<Result>(import.meta.filename, args, { ...process.env, ...variant.env }, `variant "${name}"`);
}

const model = arg("model") ?? path.join(SHARED, "detectron2-faster-rcnn-r50-fpn-publaynet5-untrained.onnx");
const runs = Number(arg("runs") ?? 10);
const childName = arg("child");

const pages = arg("pages");

if (childName !== undefined) {
  const variant = allVariants[childName];
  if (!variant) throw new Error(`no variant "${childName}"`);
  console.log(JSON.stringify(pages ? await flatness(model, variant, Number(pages)) : await child(model, variant, runs)));
} else if (pages) {
  for (const name of Object.keys(allVariants).filter((n) => arg("only")?.split(",").includes(n) ?? n in variants)) {
    const proc = spawn(process.execPath, [...RUNTIME, import.meta.filename, "--child", name, "--model", model, "--pages", pages], {
      env: { ...process.env, ...allVariants[name]!.env },
      stdio: ["ignore", "inherit", "inherit"],
    });
    console.log(`${name}:`);
    await new Promise((resolve) => proc.on("close", resolve));
  }
} else {
  if (!arg("models") && !existsSync(model)) throw new Error(`no model at ${model}`);
  const rounds = Number(arg("rounds") ?? 2);
  const only = arg("only")?.split(",");
  // --models: every model under the worker's two candidate settings; else the one model under the variants.
  const MODEL_VARIANTS = { "arena off": "arena off + pattern off + extended + 2 threads + glibc return + THP", "arena on": "pattern off + extended + 2 threads + glibc return + THP" };
  const models = arg("models")
    ?.split(",")
    .map((pair) => pair.split("=") as [string, string]);
  const jobs: { name: string; model: string; variant: string }[] = models
    ? models.flatMap(([label, file]) => Object.entries(MODEL_VARIANTS).map(([short, variant]) => ({ name: `${label}, ${short}`, model: file, variant })))
    : Object.keys(process.argv.includes("--all") ? allVariants : variants)
        .filter((n) => !only || only.includes(n))
        .map((n) => ({ name: n, model, variant: n }));
  const names = jobs.map((j) => j.name);
  const results = new Map<string, Result[]>(names.map((n) => [n, []]));
  console.error(`model ${models ? models.map(([l]) => l).join(", ") : model}; ${rounds} round(s) x ${names.length} variant(s), 1 warm-up + ${runs} timed runs + 2 white pages each, ${W}x${H}`);
  for (let r = 0; r < rounds; r++) {
    for (const job of jobs) {
      const name = job.name;
      try {
        const res = await spawnChild(job.model, job.variant, allVariants[job.variant]!, runs);
        results.get(name)!.push(res);
        console.error(`[round ${r + 1}] ${name}: ${JSON.stringify(res)}`);
      } catch (error) {
        console.error(`[round ${r + 1}] ${name}: FAILED ${String(error)}`);
      }
    }
  }
  const f = (x: number) => String(Math.round(x));
  const span = (xs: number[]) => (Math.round(Math.min(...xs)) === Math.round(Math.max(...xs)) ? f(xs[0]!) : `${f(Math.min(...xs))}-${f(Math.max(...xs))}`);
  console.log(
    "| variant | load ms | ms/page (median) | first run ms | RSS after load MiB | peak MiB (VmHWM) | RSS after runs MiB | white pages |\n" +
      "| --- | --- | --- | --- | --- | --- | --- | --- |",
  );
  for (const [name, rs] of results) {
    if (!rs.length) {
      console.log(`| ${name} | failed | | | | | | |`);
      continue;
    }
    const pick = (k: keyof Result) => rs.map((x) => x[k] as number);
    const white = rs[0]!.whiteError ? `error: ${rs[0]!.whiteError.slice(0, 60)}` : rs[0]!.whiteDetections.join("/");
    console.log(
      `| ${name} | ${f(median(pick("loadMs")))} | ${f(median(pick("msPerRun")))} | ${f(median(pick("firstRunMs")))} | ${span(pick("rssLoadedMiB"))} | ${span(pick("peakMiB"))} | ${span(pick("rssAfterMiB"))} | ${white} |`,
    );
  }
  console.log("\n| variant | minor page faults / run | CPU user ms / run | CPU system ms / run |\n| --- | --- | --- | --- |");
  for (const [name, rs] of results) {
    if (rs.length) console.log(`| ${name} | ${f(median(rs.map((x) => x.faultsPerRun)))} | ${f(median(rs.map((x) => x.userMsPerRun)))} | ${f(median(rs.map((x) => x.sysMsPerRun)))} |`);
  }
  console.log(`\nNode + onnxruntime-node before loading: ${span([...results.values()].flat().map((x) => x.baseMiB))} MiB RSS`);
}
