/**
 * fp32 model -> int8 model (static QDQ or weights only), calibrated on rendered pages and checked against
 * fp32 on held-out pages before it is installed. Used by `npm run model:optimize` (scripts/model-optimize.ts).
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { createRequire } from "node:module";
import * as ort from "onnxruntime-node";
import { compareRuns, type Agreement, type PagePair } from "../../../lib/match";
import type { ModelManifest, Quantization } from "../manifest";
import { fileSha256, sessionOptions, type SessionTuning } from "../session";
import type { Adapter } from "./adapters";
import { decodeModel, encodeModel, onnx, prepareModel, dropUnusedInitializers, type Model } from "./graph";
import { generatedSource, pageRenderer, pdfSources, type PageRenderer, type PageSource } from "./pages";
import { lowerPeakMemory, planStatic, quantizeStatic, quantizeWeightsOnly, ROI_ALIGN_CHUNKS } from "./qdq";
import { RangeCollector, type RangeMethod } from "./ranges";

export type Method = "static" | "weights";

export type OptimizeOptions = {
  sourceOnnx: string;
  adapter: Adapter;
  method: Method;
  calibrate: string[];
  holdout: string[];
  /** Pages used at most from the calibration files (generated: exactly this many). @defaultValue 16 */
  calibrationPages?: number;
  /** @defaultValue 8 */
  holdoutPages?: number;
  rangeMethod?: RangeMethod;
  /** @defaultValue 99.9 (of 99.999, 99.99 and 99.9 the best agreement on real pages, README) */
  percentile?: number;
  /** 7-bit weights (|q| <= 63): AVX2 without VNNI multiplies u8 x s8 pairs into int16, which full-range weights can saturate. @defaultValue true */
  reduceRange?: boolean;
  /** F1 at IoU 0.5 the gate asks for. @defaultValue 0.95 */
  minF1?: number;
  /** Fewer fp32 boxes than this on the hold-out: nothing to judge by, the gate refuses. @defaultValue 10 */
  minReferenceBoxes?: number;
  /**
   * JSON file of calibrated ranges: read when it exists (calibration is skipped: the ranges must come from this
   * source model), else written after calibrating. Lets variants of the same model be built without recalibrating.
   */
  rangesCache?: string;
  log: (line: string) => void;
};

/** What calibration measured, as `rangesCache` stores it. */
type CalibrationCache = {
  sourceSha256: string;
  rangeMethod: RangeMethod;
  percentile: number;
  pages: number;
  files: { sha256: string; pages: number; generated: boolean }[];
  tensors: Record<string, { lo: number; hi: number; rank: number; float: boolean }>;
};

export type Gate = { passed: boolean; minF1: number; minReferenceBoxes: number; reason: string };

export type OptimizeResult = {
  graph: Uint8Array;
  quantization: Omit<Quantization, "source" | "createdAt" | "gate"> & { gate: Gate };
  fidelity: Agreement;
};

const ortVersion = (): string => (createRequire(import.meta.url)("onnxruntime-node/package.json") as { version: string }).version;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
function progress(log: (l: string) => void, what: string, started: number) {
  return (i: number, n: number, label: string) => {
    const elapsed = performance.now() - started;
    const eta = i ? (elapsed / i) * (n - i) : NaN;
    log(`${what} page ${i + 1}/${n} (${label}), elapsed ${seconds(elapsed)}${i ? `, ETA ${seconds(eta)}` : ""}`);
  };
}

/** Runs the fp32 graph with `tensors` as extra outputs on every page and gathers their ranges and kinds. */
async function calibrate(model: Model, tensors: string[], pages: PageRenderer, sources: PageSource[], adapter: Adapter, collector: RangeCollector, log: (l: string) => void) {
  const existing = new Set((model.graph!.output ?? []).map((o) => o.name));
  const extra = tensors.filter((t) => !existing.has(t));
  const probe = decodeModel(encodeModel(model));
  probe.graph!.output!.push(...extra.map((name) => onnx.ValueInfoProto.create({ name })));
  const session = await ort.InferenceSession.create(encodeModel(probe), sessionOptions({ graphOptimizationLevel: "basic", enableCpuMemArena: false }));
  const known = new Map<string, { rank: number; float: boolean }>();
  const started = performance.now();
  const step = progress(log, "calibrate", started);
  try {
    for await (const { page, index, total, label } of pages.pages(sources, adapter)) {
      step(index, total, label);
      const results = await session.run(adapter.feeds(session, page), extra);
      for (const name of extra) {
        const t = results[name];
        if (!t) continue;
        known.set(name, { rank: t.dims.length, float: t.type === "float32" });
        if (t.type === "float32") collector.add(name, t.data as Float32Array);
        t.dispose();
      }
    }
  } finally {
    await session.release();
  }
  return known;
}

/** fp32 against the candidate on the hold-out pages. */
async function checkFidelity(reference: Uint8Array, candidate: Uint8Array, pages: PageRenderer, sources: PageSource[], adapter: Adapter, log: (l: string) => void, tuning: SessionTuning = {}) {
  const fp32 = await ort.InferenceSession.create(reference, sessionOptions(tuning));
  const int8 = await ort.InferenceSession.create(candidate, sessionOptions(tuning));
  const pairs: PagePair[] = [];
  const times = { reference: 0, candidate: 0 };
  const step = progress(log, "hold-out", performance.now());
  try {
    for await (const { page, index, total, label } of pages.pages(sources, adapter)) {
      step(index, total, label);
      let t = performance.now();
      const ref = await adapter.detect(fp32, page);
      times.reference += performance.now() - t;
      t = performance.now();
      const cand = await adapter.detect(int8, page);
      times.candidate += performance.now() - t;
      pairs.push({ reference: ref, candidate: cand });
    }
  } finally {
    await fp32.release();
    await int8.release();
  }
  return { agreement: compareRuns(pairs, adapter.labels), msPerPage: { reference: times.reference / pairs.length, candidate: times.candidate / pairs.length } };
}

export function judge(agreement: Agreement, minF1: number, minReferenceBoxes: number): Gate {
  const f = (x: number) => x.toFixed(3);
  if (agreement.referenceBoxes < minReferenceBoxes) {
    return {
      passed: false,
      minF1,
      minReferenceBoxes,
      reason: `fp32 found ${agreement.referenceBoxes} boxes on the ${agreement.pages} hold-out pages, fewer than the ${minReferenceBoxes} needed to judge agreement`,
    };
  }
  const passed = agreement.f1At50 >= minF1;
  return {
    passed,
    minF1,
    minReferenceBoxes,
    reason: passed
      ? `F1 at IoU 0.5 is ${f(agreement.f1At50)} against fp32 (>= ${minF1}) over ${agreement.referenceBoxes} fp32 boxes`
      : `F1 at IoU 0.5 is ${f(agreement.f1At50)} against fp32, below ${minF1} (${agreement.referenceBoxes} fp32 boxes, ${agreement.candidateBoxes} int8 boxes, ${agreement.pages} hold-out pages)`,
  };
}

export async function optimize(opts: OptimizeOptions): Promise<OptimizeResult> {
  const { adapter, log } = opts;
  const rangeMethod = opts.rangeMethod ?? "percentile";
  const percentile = opts.percentile ?? 99.9;
  const reduceRange = opts.reduceRange ?? true;
  const minF1 = opts.minF1 ?? 0.95;
  const minReferenceBoxes = opts.minReferenceBoxes ?? 10;
  const original = new Uint8Array(await readFile(opts.sourceOnnx));
  const pages = await pageRenderer();
  try {
    const calibrationSources = opts.calibrate.length
      ? await pdfSources(opts.calibrate, opts.calibrationPages ?? 16, pages.open)
      : [await generatedSource(pages.tempDir, 0, opts.calibrationPages ?? 16)];
    const holdoutSources = opts.holdout.length
      ? await pdfSources(opts.holdout, opts.holdoutPages ?? 8, pages.open)
      : [await generatedSource(pages.tempDir, 1000, opts.holdoutPages ?? 8)];
    const seen = new Set(calibrationSources.map((s) => s.sha256));
    const shared = holdoutSources.find((s) => seen.has(s.sha256));
    if (shared) throw new Error(`Hold-out file ${shared.pdfPath} is also a calibration file: the check needs pages calibration did not see`);

    const model = decodeModel(original);
    const prepared = prepareModel(model);
    if (prepared.foldedBatchNorms) log(`folded ${prepared.foldedBatchNorms} BatchNormalization nodes into their Conv`);
    let calibrationPages = 0;
    let calibrationFiles: CalibrationCache["files"] = [];
    if (opts.method === "static") {
      const candidates = planStatic(model);
      const sourceSha256 = createHash("sha256").update(original).digest("hex");
      let cache = opts.rangesCache && existsSync(opts.rangesCache) ? (JSON.parse(await readFile(opts.rangesCache, "utf8")) as CalibrationCache) : null;
      if (cache && (cache.sourceSha256 !== sourceSha256 || cache.rangeMethod !== rangeMethod || cache.percentile !== percentile)) {
        throw new Error(`${opts.rangesCache} holds ranges of another source model or range method: delete it to calibrate again`);
      }
      if (cache) {
        log(`ranges of ${Object.keys(cache.tensors).length} tensors from ${opts.rangesCache} (calibrated on ${cache.pages} pages)`);
        const again = holdoutSources.find((h) => cache!.files.some((f) => f.sha256 === h.sha256));
        if (again) throw new Error(`Hold-out file ${again.pdfPath} was a calibration file of ${opts.rangesCache}: the check needs pages calibration did not see`);
      } else {
        const collector = new RangeCollector(rangeMethod, percentile);
        log(`calibrating ${candidates.tensors.length} tensors of ${candidates.nodes.length} candidate nodes (${rangeMethod}${rangeMethod === "percentile" ? ` ${percentile}` : ""})`);
        const known = await calibrate(model, candidates.tensors, pages, calibrationSources, adapter, collector, log);
        const ranges = collector.ranges();
        cache = {
          sourceSha256,
          rangeMethod,
          percentile,
          pages: calibrationSources.reduce((n, s) => n + s.pages.length, 0),
          files: calibrationSources.map((s) => ({ sha256: s.sha256, pages: s.pages.length, generated: s.generated })),
          tensors: Object.fromEntries([...known].map(([name, k]) => [name, { ...(ranges.get(name) ?? { lo: 0, hi: 0 }), ...k }])),
        };
        if (opts.rangesCache) await writeFile(opts.rangesCache, JSON.stringify(cache));
      }
      calibrationPages = cache.pages;
      calibrationFiles = cache.files;
      const entries = Object.entries(cache.tensors);
      const known = new Map(entries.map(([name, t]) => [name, { rank: t.rank, float: t.float }]));
      const plan = planStatic(model, known);
      quantizeStatic(model, plan, new Map(entries.filter(([, t]) => t.float).map(([name, t]) => [name, { lo: t.lo, hi: t.hi }])), { qmax: reduceRange ? 63 : 127 });
      const ops = plan.nodes.reduce<Record<string, number>>((c, n) => ({ ...c, [n.opType!]: (c[n.opType!] ?? 0) + 1 }), {});
      log(`quantized ${Object.entries(ops).map(([op, n]) => `${n} ${op}`).join(", ")}; ${plan.reluOf.size} Relu folded into their producer`);
      const lowered = lowerPeakMemory(model);
      if (lowered.scatterMerges || lowered.chunkedRoiAligns) log(`RoIAlign merges in uint8: ${lowered.scatterMerges}; RoIAligns run in ${ROI_ALIGN_CHUNKS} parts: ${lowered.chunkedRoiAligns}`);
    } else {
      const { nodes } = quantizeWeightsOnly(model);
      log(`int8 weights for ${nodes} Conv/Gemm/MatMul nodes`);
      const { gatheredMerges, fusedAdds } = lowerPeakMemory(model);
      if (gatheredMerges) log(`RoIAlign merges by concatenation and gather: ${gatheredMerges}`);
      if (fusedAdds) log(`Conv + Add (+ Relu) run as one FusedConv, in place: ${fusedAdds}`);
    }
    dropUnusedInitializers(model);
    const graph = encodeModel(model);
    log(`checking against fp32 on ${holdoutSources.reduce((n, s) => n + s.pages.length, 0)} hold-out pages`);
    const { agreement, msPerPage } = await checkFidelity(original, graph, pages, holdoutSources, adapter, log);
    const gate = judge(agreement, minF1, minReferenceBoxes);
    log(`fp32 ${msPerPage.reference.toFixed(0)} ms/page, int8 ${msPerPage.candidate.toFixed(0)} ms/page on the hold-out (including decoding)`);
    return {
      graph,
      fidelity: agreement,
      quantization: {
        method: opts.method,
        rangeMethod: opts.method === "static" ? rangeMethod : null,
        percentile: opts.method === "static" && rangeMethod === "percentile" ? percentile : null,
        weightBits: opts.method === "static" && reduceRange ? 7 : 8,
        calibration:
          opts.method === "static"
            ? { pages: calibrationPages, files: calibrationFiles }
            : null,
        holdout: { pages: agreement.pages, files: holdoutSources.map((s) => ({ sha256: s.sha256, pages: s.pages.length, generated: s.generated })) },
        onnxruntime: ortVersion(),
        fidelity: agreement,
        gate,
      },
    };
  } finally {
    await pages.close();
  }
}

/**
 * Writes the optimised model folder when the gate passed or the user accepted it below the gate; otherwise
 * writes nothing and returns why. The folder is written beside its destination and renamed into place.
 */
export async function installFolder(opts: {
  result: OptimizeResult;
  source: { manifest: ModelManifest; onnxPath: string } | { onnxPath: string; id: string; name: string };
  outDir: string;
  acceptLowFidelity: boolean;
}): Promise<{ installed: boolean; reason: string }> {
  const { result, outDir } = opts;
  const gate = result.quantization.gate;
  if (!gate.passed && !opts.acceptLowFidelity) {
    return { installed: false, reason: `Not installed: ${gate.reason}. Pass --accept-low-fidelity to install it anyway.` };
  }
  const sourceSha = await fileSha256(opts.source.onnxPath);
  const src = "manifest" in opts.source ? opts.source.manifest : null;
  const id = src?.id ?? (opts.source as { id: string }).id;
  const name = src?.name ?? (opts.source as { name: string }).name;
  const method = result.quantization.method;
  const sha256 = (await import("node:crypto")).createHash("sha256").update(result.graph).digest("hex");
  const quantization: Quantization = {
    ...result.quantization,
    gate: { ...gate, acceptedBelowGate: !gate.passed },
    source: { id, name, sha256: sourceSha },
    createdAt: new Date().toISOString(),
  };
  const manifest = {
    ...(src ?? { kind: "trained", labels: ["text"] }),
    id: `${id}-int8-${method}`.slice(0, 64),
    name: `${name} (int8 ${method}, from ${id})`,
    file: "model.onnx",
    sha256,
    source: src?.source,
    quantization,
  };
  const staging = `${outDir}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  await writeFile(path.join(staging, "model.onnx"), result.graph);
  await writeFile(path.join(staging, "model.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  await rm(outDir, { recursive: true, force: true });
  await mkdir(path.dirname(outDir), { recursive: true });
  await rename(staging, outDir);
  return {
    installed: true,
    reason: gate.passed ? `Installed in ${outDir}: ${gate.reason}` : `Installed in ${outDir} BELOW THE GATE (accepted with --accept-low-fidelity): ${gate.reason}`,
  };
}
