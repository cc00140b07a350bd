import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { buildBaselineModel } from "./baseline-graph";

export const BASELINE_DIR = path.resolve(import.meta.dirname, "..", "..", "models", "baseline");

/**
 * Writes `model.onnx` in `dir` (models/baseline by default) unless an identical one is there, so a file
 * left by an older version of the graph is replaced; returns its path. The write is atomic (temp file +
 * rename), so a process loading the model at the same time never sees half a file.
 */
export async function ensureBaselineModel(dir = BASELINE_DIR): Promise<string> {
  const file = path.join(dir, "model.onnx");
  const bytes = buildBaselineModel();
  const existing = await readFile(file).catch(() => null);
  if (existing && Buffer.compare(existing, bytes) === 0) return file;
  await mkdir(dir, { recursive: true });
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temp, bytes);
  await rename(temp, file);
  return file;
}
