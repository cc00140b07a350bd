import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import * as ort from "onnxruntime-node";
import { checkContract, checkOutputs, ModelContractError, type ContractLayout } from "./contract";
import { decodeDetections, type Detection, type Size } from "./decode";
import type { ModelFolder, ModelManifest } from "./manifest";
import { shortestEdgeSize } from "./preprocess";

export type { Detection } from "./decode";

/**
 * onnxruntime session options. The defaults are the measured trade-off for Detectron2 R50-FPN on CPU at
 * 800x1035 that keeps the worker under its 512 MiB budget (scripts/bench-session.ts compares them).
 */
export type SessionTuning = {
  /** Threads for one operator; 0 lets onnxruntime use one per physical core. @defaultValue 0 */
  intraOpNumThreads?: number;
  /** onnxruntime's own arena for CPU buffers; off makes every buffer a malloc/free. @defaultValue true */
  enableCpuMemArena?: boolean;
  /**
   * Pre-plans one block for all of a run's buffers from the first run's shapes. With a free-size input the
   * plan cannot be reused and the block is large, so it is off. @defaultValue false
   */
  enableMemPattern?: boolean;
  /**
   * "basic" folds constants and removes redundant nodes; "extended"/"all" also fuse and pre-pack weights
   * into copies that cost more memory than they save time here. @defaultValue "basic"
   */
  graphOptimizationLevel?: "disabled" | "basic" | "extended" | "layout" | "all";
  /** @defaultValue "sequential" */
  executionMode?: "sequential" | "parallel";
  /** Session config entries (values must be strings), e.g. `{ session: { disable_prepacking: "1" } }`. @defaultValue {} */
  extra?: Record<string, unknown>;
};

export const DEFAULT_TUNING: Readonly<Required<SessionTuning>> = {
  intraOpNumThreads: 0,
  enableCpuMemArena: true,
  enableMemPattern: false,
  graphOptimizationLevel: "basic",
  executionMode: "sequential",
  extra: {},
};

/**
 * The graph itself raised while running on a page (e.g. the public PubLayNet export raises a ReduceMax
 * error on blank pages), or what it returned does not fit the contract. The message is onnxruntime's.
 */
export class ModelRunError extends Error {
  override name = "ModelRunError";
}

export type LoadedModel = {
  manifest: ModelManifest;
  contract: ContractLayout;
  /** The size a page of this size is fed to the model at: the graph's static size, else the manifest's policy. */
  inputSizeFor(width: number, height: number): Size;
  /**
   * Runs the model on one page (`input`: float32 CHW, 3 x modelHeight x modelWidth, in the manifest's
   * channel order, 0..255) and returns its detections in `original` pixels. Runs queue: one at a time.
   * Rejects with ModelRunError when the graph fails on this input.
   */
  run(input: Float32Array, modelWidth: number, modelHeight: number, original: Size): Promise<{ detections: Detection[]; inferMs: number }>;
  /** Frees the session after any queued runs; later runs reject. */
  release(): Promise<void>;
};

export async function fileSha256(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

export function sessionOptions(tuning: SessionTuning = {}): ort.InferenceSession.SessionOptions {
  const t = { ...DEFAULT_TUNING, ...tuning };
  return {
    executionProviders: ["cpu"],
    // Run failures reach the caller as ModelRunError, with the page they happened on.
    logSeverityLevel: 4,
    intraOpNumThreads: t.intraOpNumThreads,
    interOpNumThreads: 1,
    enableCpuMemArena: t.enableCpuMemArena,
    enableMemPattern: t.enableMemPattern,
    graphOptimizationLevel: t.graphOptimizationLevel,
    executionMode: t.executionMode,
    extra: t.extra,
  };
}

/** Creates the one session a worker uses, after checking the file's hash, then the graph's contract. */
export async function loadModel(folder: ModelFolder, tuning?: SessionTuning): Promise<LoadedModel> {
  const { manifest, onnxPath } = folder;
  if (manifest.sha256) {
    const actual = await fileSha256(onnxPath);
    if (actual !== manifest.sha256) {
      throw new Error(`Model file ${onnxPath} has sha256 ${actual}, but model.json expects ${manifest.sha256}`);
    }
  }
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(onnxPath, sessionOptions(tuning));
  } catch (error) {
    throw new Error(`Cannot load model ${onnxPath}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  let contract: ContractLayout;
  try {
    contract = checkContract(session.inputMetadata, session.outputMetadata);
  } catch (error) {
    await session.release();
    if (error instanceof ModelContractError) throw new ModelContractError(`${onnxPath}: ${error.message}`);
    throw error;
  }

  // One run at a time: concurrent page jobs share the session and queue here.
  let tail: Promise<unknown> = Promise.resolve();
  const serialized = <T>(task: () => Promise<T>): Promise<T> => {
    const result = tail.then(task);
    tail = result.catch(() => {});
    return result;
  };
  let released = false;

  const runOnce = async (input: Float32Array, modelWidth: number, modelHeight: number, original: Size) => {
    if (released) throw new Error(`Model ${manifest.id} was released`);
    const fixed = contract.staticInput;
    if (fixed && (fixed.width !== modelWidth || fixed.height !== modelHeight)) {
      throw new Error(`Model ${manifest.id} takes ${fixed.width}x${fixed.height} input only, got ${modelWidth}x${modelHeight}`);
    }
    if (input.length !== 3 * modelWidth * modelHeight) {
      throw new Error(`Model input holds ${input.length} values, 3x${modelHeight}x${modelWidth} needs ${3 * modelWidth * modelHeight}`);
    }
    const tensor = new ort.Tensor("float32", input, [3, modelHeight, modelWidth]);
    const started = performance.now();
    let results: ort.InferenceSession.ReturnType;
    try {
      results = await session.run({ [contract.inputName]: tensor });
    } catch (error) {
      throw new ModelRunError(error instanceof Error ? error.message : String(error), { cause: error });
    }
    const inferMs = performance.now() - started;
    const outputs = contract.outputNames.map((name) => results[name] as ort.Tensor | undefined);
    try {
      try {
        checkOutputs(outputs, contract);
      } catch (error) {
        throw new ModelRunError(error instanceof Error ? error.message : String(error), { cause: error });
      }
      const detections = decodeDetections(outputs as ort.Tensor[], contract, {
        labels: manifest.labels,
        scoreThreshold: manifest.scoreThreshold,
        original,
        input: { width: modelWidth, height: modelHeight },
      });
      return { detections, inferMs };
    } finally {
      for (const t of outputs) t?.dispose();
    }
  };

  return {
    manifest,
    contract,
    inputSizeFor(width, height) {
      if (contract.staticInput) return { ...contract.staticInput };
      if (manifest.resize.type === "fixed") return { width: manifest.resize.width, height: manifest.resize.height };
      return shortestEdgeSize(width, height, manifest.resize.shortestEdge, manifest.resize.maxSize);
    },
    run: (input, modelWidth, modelHeight, original) => serialized(() => runOnce(input, modelWidth, modelHeight, original)),
    release: () =>
      serialized(async () => {
        if (released) return;
        released = true;
        await session.release();
      }),
  };
}
