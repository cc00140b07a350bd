/**
 * `node --import ./worker/resolve-ts.ts scripts/quantize-variants.ts <source.onnx> <ranges.json> <out dir> [name=spec ...]`:
 * static int8 variants of one model from ranges calibrated once (`npm run model:optimize -- ... --ranges-cache
 * ranges.json`), to compare with scripts/profile-ops.ts. A spec is `ops:Conv+Gemm+Add,bits:7` (`,memory:off` leaves out
 * lowerPeakMemory's rewrites); the default set covers which ops get QDQ and 7- against 8-bit weights. Writes <out dir>/<name>.onnx and prints the op counts.
 */
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { decodeModel, dropUnusedInitializers, encodeModel, prepareModel } from "../worker/model/quantize/graph";
import { lowerPeakMemory, planStatic, quantizeStatic } from "../worker/model/quantize/qdq";

const [source, rangesFile, outDir, ...specs] = process.argv.slice(2);
if (!source || !rangesFile || !outDir) {
  console.error("usage: scripts/quantize-variants.ts <source.onnx> <ranges.json> <out dir> [name=ops:Conv+Gemm,bits:7 ...]");
  process.exit(2);
}
const DEFAULTS = [
  "all7=ops:Conv+Gemm+MatMul+Add+MaxPool+Resize,bits:7",
  "all8=ops:Conv+Gemm+MatMul+Add+MaxPool+Resize,bits:8",
  "conv-gemm7=ops:Conv+Gemm,bits:7",
  "conv-gemm8=ops:Conv+Gemm,bits:8",
  "conv8=ops:Conv,bits:8",
  "conv-gemm-add8=ops:Conv+Gemm+Add,bits:8",
];
const cache = JSON.parse(readFileSync(rangesFile, "utf8")) as { tensors: Record<string, { lo: number; hi: number; rank: number; float: boolean }> };
const entries = Object.entries(cache.tensors);
const known = new Map(entries.map(([n, t]) => [n, { rank: t.rank, float: t.float }]));
const ranges = new Map(entries.filter(([, t]) => t.float).map(([n, t]) => [n, { lo: t.lo, hi: t.hi }]));
const original = readFileSync(source);
mkdirSync(outDir, { recursive: true });
for (const item of specs.length ? specs : DEFAULTS) {
  const [name, spec] = item.split("=") as [string, string];
  const fields = Object.fromEntries(spec.split(",").map((kv) => kv.split(":") as [string, string]));
  const ops = new Set(fields.ops!.split("+"));
  const model = decodeModel(original);
  prepareModel(model);
  const plan = planStatic(model, known);
  plan.nodes = plan.nodes.filter((n) => ops.has(n.opType!));
  for (const n of [...plan.reluOf.keys()]) if (!ops.has(n.opType!)) plan.reluOf.delete(n);
  quantizeStatic(model, plan, ranges, { qmax: fields.bits === "8" ? 127 : 63 });
  if (fields.memory !== "off") lowerPeakMemory(model);
  dropUnusedInitializers(model);
  const file = path.join(outDir, `${name}.onnx`);
  writeFileSync(file, encodeModel(model));
  const counts = plan.nodes.reduce<Record<string, number>>((c, n) => ({ ...c, [n.opType!]: (c[n.opType!] ?? 0) + 1 }), {});
  console.log(`${file}: QDQ around ${JSON.stringify(counts)}, ${plan.reluOf.size} Relu folded, ${spec}`);
}
