import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { buildBaselineModel } from "./baseline-graph";

export const BASELINE_DIR = path.resolve(import.meta.dirname, "..", "..", "models", "baseline");

/** Writes models/baseline/model.onnx unless an identical one is there; returns its path. */
export async function ensureBaselineModel(dir = BASELINE_DIR): Promise<string> {
  const file = path.join(dir, "model.onnx");
  const bytes = buildBaselineModel();
  const existing = await readFile(file).catch(() => null);
  if (!existing || Buffer.compare(existing, bytes) !== 0) await writeFile(file, bytes);
  return file;
}
