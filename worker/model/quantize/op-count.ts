/** What onnxruntime actually runs: the graph it writes after its own optimisations, counted by op type. */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { sessionOptions, type SessionTuning } from "../session";
import { decodeModel, nodesOf, type Model } from "./graph";

/** The graph onnxruntime runs after its own optimisations (it writes it out when asked to). */
export async function optimizedGraph(onnx: string | Uint8Array, tuning: SessionTuning = {}): Promise<Model> {
  const dir = await mkdtemp(path.join(tmpdir(), "pagewise-opt-"));
  try {
    const optimizedModelFilePath = path.join(dir, "optimized.onnx");
    const options = { ...sessionOptions(tuning), optimizedModelFilePath };
    const session = typeof onnx === "string" ? await ort.InferenceSession.create(onnx, options) : await ort.InferenceSession.create(onnx, options);
    await session.release();
    return decodeModel(await readFile(optimizedModelFilePath));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function optimizedOpCounts(onnx: string | Uint8Array, tuning: SessionTuning = {}): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const node of nodesOf(await optimizedGraph(onnx, tuning))) {
    const key = node.domain ? `${node.domain}.${node.opType}` : node.opType!;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
