import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { agreementSchema } from "../../lib/match";

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);
const pageFiles = z.array(z.object({ sha256: sha256Hex, pages: z.number().int().nonnegative(), generated: z.boolean() }));

/** How an optimised folder was made from its fp32 source (`npm run model:optimize`), and how well it agrees with it. */
export const quantizationSchema = z.object({
  /** `static`: int8 weights and uint8 activations (QDQ); `weights`: int8 weights dequantized at run time. */
  method: z.enum(["static", "weights"]),
  source: z.object({ id: z.string(), name: z.string(), sha256: sha256Hex }),
  rangeMethod: z.enum(["minmax", "percentile"]).nullable(),
  percentile: z.number().nullable(),
  /** 7: weights within +-63 (no int16 saturation on AVX2 without VNNI); 8: +-127. */
  weightBits: z.union([z.literal(7), z.literal(8)]),
  calibration: z.object({ pages: z.number().int(), files: pageFiles }).nullable(),
  holdout: z.object({ pages: z.number().int(), files: pageFiles }),
  onnxruntime: z.string(),
  /** fp32 against this model on the hold-out pages. */
  fidelity: agreementSchema,
  gate: z.object({ passed: z.boolean(), minF1: z.number(), minReferenceBoxes: z.number().int(), reason: z.string(), acceptedBelowGate: z.boolean() }),
  createdAt: z.string(),
});
export type Quantization = z.infer<typeof quantizationSchema>;

/**
 * `model.json`, the manifest that sits beside every `.onnx` file in a model folder.
 * It says what the graph is, how to feed it and how to name what it finds.
 */
export const modelManifestSchema = z.object({
  /** Stable id stored with every result, e.g. `publaynet-faster-rcnn-r50-fpn`. */
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/),
  /** Shown in the UI next to every result. */
  name: z.string().min(1).max(200),
  version: z.string().min(1).max(64).default("1"),
  /** `trained` for a real layout model, `heuristic` for the classical baseline, `untrained` for contract tests. */
  kind: z.enum(["trained", "heuristic", "untrained"]),
  /** File name of the ONNX graph inside the model folder. */
  file: z.string().min(1).default("model.onnx"),
  /** Class index -> label. */
  labels: z.array(z.string().min(1)).min(1),
  /** Detections below this score are dropped after decoding (the graph may already apply its own). */
  scoreThreshold: z.number().min(0).max(1).default(0.5),
  /** Channel order the graph expects; Detectron2 exports default to BGR. */
  inputFormat: z.enum(["BGR", "RGB"]).default("BGR"),
  resize: z
    .discriminatedUnion("type", [
      z.object({
        /** Detectron2's ResizeShortestEdge as used by DefaultPredictor. */
        type: z.literal("shortest-edge"),
        shortestEdge: z.number().int().positive().default(800),
        maxSize: z.number().int().positive().default(1333),
      }),
      z.object({
        /** A graph exported with a static input size: every page is stretched to exactly this. */
        type: z.literal("fixed"),
        width: z.number().int().positive(),
        height: z.number().int().positive(),
      }),
    ])
    .default({ type: "shortest-edge", shortestEdge: 800, maxSize: 1333 }),
  /** Optional sha256 (hex) of the ONNX file, checked at load. */
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  /** Where it came from, for humans. */
  source: z.string().optional(),
  /** Set on folders written by `npm run model:optimize`. */
  quantization: quantizationSchema.optional(),
});

export type ModelManifest = z.infer<typeof modelManifestSchema>;

export type ModelFolder = { dir: string; manifest: ModelManifest; onnxPath: string };

export async function readModelFolder(dir: string): Promise<ModelFolder> {
  const manifestPath = path.join(dir, "model.json");
  let raw: string;
  try {
    raw = await readFile(manifestPath, "utf8");
  } catch {
    throw new Error(`No model manifest at ${manifestPath}: a model folder holds model.json and the .onnx file it names`);
  }
  const parsed = modelManifestSchema.safeParse(JSON.parse(raw));
  if (!parsed.success) {
    throw new Error(`Invalid model manifest ${manifestPath}: ${z.prettifyError(parsed.error)}`);
  }
  return { dir, manifest: parsed.data, onnxPath: path.join(dir, parsed.data.file) };
}
