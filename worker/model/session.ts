import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import * as ort from "onnxruntime-node";
import { checkContract, type ContractLayout } from "./contract";
import { decodeDetections, type Detection } from "./decode";
import type { ModelFolder, ModelManifest } from "./manifest";
import { shortestEdgeSize } from "./preprocess";

export type { Detection } from "./decode";

/**
 * onnxruntime session options. The defaults are the measured trade-off for a Detectron2 R50-FPN on CPU
 * that keeps a worker under 512 MiB (see README, "Worker memory").
 */
export type SessionTuning = {
  /** @defaultValue 0 (one thread per core) */
  intraOpNumThreads?: number;
  /** The arena keeps freed buffers for reuse; off returns them to the system. @defaultValue true */
  enableCpuMemArena?: boolean;
  /** Pre-plans one big block per run from the first run's shapes; off allocates per tensor. @defaultValue false */
  enableMemPattern?: boolean;
  /** @defaultValue "basic" */
  graphOptimizationLevel?: "disabled" | "basic" | "extended" | "layout" | "all";
  /** @defaultValue "sequential" */
  executionMode?: "sequential" | "parallel";
  /** Extra session config entries (values are strings), e.g. `{ session: { disable_prepacking: "1" } }`. */
  extra?: Record<string, unknown>;
};

export const DEFAULT_TUNING: Required<Omit<SessionTuning, "extra">> & { extra?: Record<string, unknown> } = {
  intraOpNumThreads: 0,
  enableCpuMemArena: true,
  enableMemPattern: false,
  graphOptimizationLevel: "basic",
  executionMode: "sequential",
};

/** The graph itself raised while running on a page (e.g. the public PubLayNet export on a blank page). */
export class ModelRunError extends Error {
  override name = "ModelRunError";
}

export type LoadedModel = {
  manifest: ModelManifest;
  contract: ContractLayout;
  /** The size a page of this size is fed to the model at. */
  inputSizeFor(width: number, height: number): { width: number; height: number };
  run(
    input: Float32Array,
    modelWidth: number,
    modelHeight: number,
    original: { width: number; height: number },
  ): Promise<{ detections: Detection[]; inferMs: number }>;
  release(): Promise<void>;
};

async function fileSha256(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

export function sessionOptions(tuning: SessionTuning = {}): ort.InferenceSession.SessionOptions {
  const t = { ...DEFAULT_TUNING, ...tuning };
  return {
    executionProviders: ["cpu"],
    // Run failures are reported by us, with the page they happened on.
    logSeverityLevel: 4,
    intraOpNumThreads: t.intraOpNumThreads,
    interOpNumThreads: 1,
    enableCpuMemArena: t.enableCpuMemArena,
    enableMemPattern: t.enableMemPattern,
    graphOptimizationLevel: t.graphOptimizationLevel,
    executionMode: t.executionMode,
    ...(t.extra ? { extra: t.extra } : {}),
  };
}

/** Creates the one session a worker uses, after checking the file's hash and the graph's contract. */
export async function loadModel(folder: ModelFolder, tuning?: SessionTuning): Promise<LoadedModel> {
  const { manifest, onnxPath } = folder;
  if (manifest.sha256) {
    const actual = await fileSha256(onnxPath);
    if (actual !== manifest.sha256) {
      throw new Error(`Model file ${onnxPath} has sha256 ${actual}, but model.json expects ${manifest.sha256}`);
    }
  }
  const session = await ort.InferenceSession.create(onnxPath, sessionOptions(tuning));
  let contract: ContractLayout;
  try {
    contract = checkContract(session.inputMetadata, session.outputMetadata);
  } catch (error) {
    await session.release();
    throw error;
  }

  // One run at a time: concurrent page jobs share the session and queue here.
  let chain: Promise<unknown> = Promise.resolve();

  return {
    manifest,
    contract,
    inputSizeFor(width, height) {
      if (contract.staticInput) return contract.staticInput;
      if (manifest.resize.type === "fixed") return { width: manifest.resize.width, height: manifest.resize.height };
      return shortestEdgeSize(width, height, manifest.resize.shortestEdge, manifest.resize.maxSize);
    },
    run(input, modelWidth, modelHeight, original) {
      const task = async () => {
        const tensor = new ort.Tensor("float32", input, [3, modelHeight, modelWidth]);
        const started = performance.now();
        let results: ort.InferenceSession.OnnxValueMapType;
        try {
          results = await session.run({ [contract.inputName]: tensor });
        } catch (error) {
          throw new ModelRunError(error instanceof Error ? error.message : String(error), { cause: error });
        }
        const inferMs = performance.now() - started;
        const outputs = contract.outputNames.map((name) => results[name] as ort.Tensor);
        try {
          return {
            detections: decodeDetections(outputs, contract, {
              labels: manifest.labels,
              scoreThreshold: manifest.scoreThreshold,
              original,
            }),
            inferMs,
          };
        } finally {
          for (const t of outputs) t.dispose();
        }
      };
      const result = chain.then(task, task);
      chain = result.catch(() => {});
      return result;
    },
    release: () => session.release(),
  };
}
