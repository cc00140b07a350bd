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
