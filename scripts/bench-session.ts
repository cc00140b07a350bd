/**
 * `npx tsx scripts/bench-session.ts [model.onnx]`: onnxruntime session options against memory and speed.
 * Each variant runs in a fresh process (peak RSS is per process): load, 1 warm-up and N timed runs on
 * the shared sample page, one white page; prints load ms, median ms/run, RSS after load, peak (VmHWM).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { sessionOptions, type SessionTuning } from "../worker/model/session";

const SHARED = path.resolve(import.meta.dirname, "..", "..", "shared", "models");
const MODEL = process.argv[2] && !process.argv[2].startsWith("{") ? process.argv[2] : path.join(SHARED, "detectron2-faster-rcnn-r50-fpn-publaynet5-untrained.onnx");
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

export const variants: Record<string, SessionTuning> = {
  "ort defaults (arena, pattern, all opts)": { enableCpuMemArena: true, enableMemPattern: true, graphOptimizationLevel: "all" },
  "pattern off": { enableMemPattern: false, graphOptimizationLevel: "all" },
  "pattern off + basic (Pagewise default)": {},
  "pattern off + basic + 1 thread": { intraOpNumThreads: 1 },
  "arena off + pattern off + basic": { enableCpuMemArena: false },
  "pattern off + extended": { graphOptimizationLevel: "extended" },
  "pattern off + basic + no prepacking": { extra: { session: { disable_prepacking: "1" } } },
};

const status = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync("/proc/self/status", "utf8"))?.[1]) / 1024;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function child(tuning: SessionTuning) {
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(MODEL, sessionOptions(tuning));
  const loadMs = performance.now() - t0;
  const rssLoaded = status("VmRSS");
  const input = Float32Array.from(readFileSync(path.join(SHARED, "sample-page-input-3x1035x800-bgr-u8.bin")));
  const feed = () => ({ [session.inputNames[0]!]: new ort.Tensor("float32", input, [3, 1035, 800]) });
  await session.run(feed());
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await session.run(feed());
    times.push(performance.now() - t);
  }
  await session.run({ [session.inputNames[0]!]: new ort.Tensor("float32", new Float32Array(3 * 1035 * 800).fill(255), [3, 1035, 800]) });
  console.log(JSON.stringify({ loadMs, msPerRun: median(times), rssLoadedMiB: rssLoaded, rssAfterMiB: status("VmRSS"), peakMiB: status("VmHWM") }));
}

if (process.argv[2]?.startsWith("{")) {
  await child(JSON.parse(process.argv[2]) as SessionTuning);
} else {
  if (!existsSync(MODEL)) throw new Error(`no model at ${MODEL}`);
  console.log(`model ${MODEL}, ${RUNS} timed runs per variant, 800x1035 input\n`);
  console.log("| session options | load ms | ms/page (median) | RSS after load MiB | peak MiB | RSS after runs MiB |\n| --- | --- | --- | --- | --- | --- |");
  for (const [name, tuning] of Object.entries(variants)) {
    const out = execFileSync(process.execPath, ["--import", "tsx", import.meta.filename, JSON.stringify(tuning)], { encoding: "utf8" });
    const r = JSON.parse(out.trim().split("\n").pop()!) as Record<string, number>;
    const f = (v: number | undefined) => Math.round(v ?? 0);
    console.log(`| ${name} | ${f(r.loadMs)} | ${f(r.msPerRun)} | ${f(r.rssLoadedMiB)} | ${f(r.peakMiB)} | ${f(r.rssAfterMiB)} |`);
  }
}
