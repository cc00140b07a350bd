import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import { availableParallelism } from "node:os";
import * as ort from "onnxruntime-node";
import { checkContract, checkOutputs, ModelContractError, type ContractLayout } from "./contract";
import { decodeDetections, type Detection, type Size } from "./decode";
import type { ModelFolder, ModelManifest } from "./manifest";
import { shortestEdgeSize } from "./preprocess";
import { freeNow } from "../free-buffer";

export type { Detection } from "./decode";

/**
 * glibc malloc settings for the worker process, to put in its environment when it is started (glibc reads
 * them only then): every block over 128 KiB gets its own mapping, handed back to the kernel when freed and
 * backed by transparent huge pages so the page faults stay cheap. With them onnxruntime's arena is turned
 * off (see SessionTuning.enableCpuMemArena) and RSS follows the live tensors. The threshold was 1 MiB: the
 * blocks between 128 KiB and 1 MiB then piled up in malloc's heaps run after run (static int8 R50-FPN,
 * session alone, 6 runs: 297-312 MiB between runs and a 455-473 MiB peak, against 201-206 and 349-354 at
 * 128 KiB for the same CPU; 64 and 32 KiB gain nothing more; without huge pages 1.2-1.4x the CPU). One malloc
 * arena for all threads (the main, render, inference and onnxruntime's threads would otherwise each keep their own
 * heap's leftovers): worker peak 406-410 MiB against 417-418, same pages/min (`npm run bench`, 20 pages, 2 rounds).
 */
export const WORKER_GLIBC_TUNABLES = "glibc.malloc.mmap_threshold=131072:glibc.malloc.hugetlb=1:glibc.malloc.arena_max=1";

/**
 * Node flags for the worker process. V8's young generation grows to 2 x 16 MiB semi-spaces, which the worker's
 * short-lived garbage (rows, log lines, upload buffers) keeps touched: 2 MiB ones cut its RSS when ready from
 * 234 to 186 MiB (npm run bench). Its big buffers live outside the young generation either way.
 */
export const WORKER_NODE_FLAGS = ["--max-semi-space-size=2"] as const;

/** True when this process's malloc hands big freed blocks back to the kernel (a fixed mmap threshold <= 4 MiB). */
export function mallocReturnsBigBlocks(env: Record<string, string | undefined> = process.env): boolean {
  const fromTunables = /(?:^|:)glibc\.malloc\.mmap_threshold=(\d+)/.exec(env.GLIBC_TUNABLES ?? "")?.[1];
  const threshold = Number(fromTunables ?? env.MALLOC_MMAP_THRESHOLD_ ?? Number.NaN);
  return Number.isFinite(threshold) && threshold <= 4 << 20;
}

/**
 * onnxruntime session options. The defaults are what scripts/bench-session.ts measured best for
 * Detectron2 R50-FPN on 2 CPU cores at 800x1035, the worker's memory budget first, then speed.
 */
export type SessionTuning = {
  /**
   * Threads for one operator. onnxruntime's own default (0) ran on a single thread on the 2-vCPU target.
   * @defaultValue `os.availableParallelism()`
   */
  intraOpNumThreads?: number;
  /**
   * onnxruntime's arena for CPU buffers. It grows in power-of-two regions and never shrinks (R50-FPN:
   * +~255 MiB for ~195 MiB of live tensors at 800x1035, more as page sizes vary). Without it every buffer is a malloc/free, which only pays off
   * when malloc returns big blocks to the kernel (the process runs with {@link WORKER_GLIBC_TUNABLES});
   * with glibc's defaults, arena off is both slower (3x) and higher (peak ~700 MiB).
   * @defaultValue `!mallocReturnsBigBlocks()`: off under WORKER_GLIBC_TUNABLES, else on
   */
  enableCpuMemArena?: boolean;
  /**
   * Plans one block per input shape for all of a run's buffers. The blocks are larger than the live
   * tensors and, with the arena, pile up (+225 MiB after one extra page size), so it is off.
   * @defaultValue false
   */
  enableMemPattern?: boolean;
  /**
   * "extended" fuses Conv+activation and similar (~10 % less CPU than "basic", same memory); "layout"/"all"
   * add the NCHWc layout, whose reordered weight copies cost ~140 MiB more RSS.
   * @defaultValue "extended"
   */
  graphOptimizationLevel?: "disabled" | "basic" | "extended" | "layout" | "all";
  /** @defaultValue "sequential" */
  executionMode?: "sequential" | "parallel";
  /**
   * Whether onnxruntime's intra-op threads spin while they wait for work. Spinning saves a wake-up per operator,
   * but the spinning threads take the cores from the worker's render thread and main thread, which run beside
   * inference: static int8 R50-FPN, `npm run bench` 20 pages, 2 rounds: 78 / 90 pages/min through the queue
   * without spinning, 74 / 81 with it, for 13-16 % less CPU per page and the same bare inference within the noise.
   * @defaultValue false
   */
  allowSpinning?: boolean;
  /** Session config entries (values must be strings), e.g. `{ session: { disable_prepacking: "1" } }`. @defaultValue {} */
  extra?: Record<string, unknown>;
};

export const DEFAULT_TUNING: Readonly<Required<SessionTuning>> = {
  intraOpNumThreads: availableParallelism(),
  enableCpuMemArena: !mallocReturnsBigBlocks(),
  enableMemPattern: false,
  graphOptimizationLevel: "extended",
  executionMode: "sequential",
  allowSpinning: false,
  extra: {},
};

/**
 * The graph itself raised while running on a page (e.g. the public PubLayNet export raises a ReduceMax
 * error on blank pages), or what it returned does not fit the contract. The message is onnxruntime's.
 */
export class ModelRunError extends Error {
  override name = "ModelRunError";
}

/** A page's pixels as the model takes them: CHW, 0..255 (render thread: bytes; tests and tools: float32). */
export type ModelInput = Uint8Array | Float32Array;

export type LoadedModel = {
  manifest: ModelManifest;
  contract: ContractLayout;
  /** The session options it runs with, defaults included. */
  tuning: Readonly<Required<SessionTuning>>;
  /** The size a page of this size is fed to the model at: the graph's static size, else the manifest's policy. */
  inputSizeFor(width: number, height: number): Size;
  /**
   * Runs the model on one page (`input`: CHW, 3 x modelHeight x modelWidth, in the manifest's channel order,
   * 0..255; bytes are widened to float32 just before the run) and returns its detections in `original` pixels.
   * Runs queue: one at a time. Rejects with ModelRunError when the graph fails on this input.
   */
  run(input: ModelInput, modelWidth: number, modelHeight: number, original: Size): Promise<{ detections: Detection[]; inferMs: number }>;
  /** Frees the session after any queued runs; later runs reject. */
  release(): Promise<void>;
};

/** One buffer read into again and again: a stream's fresh 1 MiB chunks would stay mapped until a GC (160 MiB for R50-FPN). */
export async function fileSha256(file: string): Promise<string> {
  const hash = createHash("sha256");
  const handle = await open(file);
  try {
    const buffer = Buffer.allocUnsafeSlow(1 << 20);
    for (let n; (n = (await handle.read(buffer, 0, buffer.length, null)).bytesRead) > 0; ) hash.update(buffer.subarray(0, n));
  } finally {
    await handle.close();
  }
  return hash.digest("hex");
}

/**
 * Whether onnxruntime's CPU arena is on, per quantization method of the folder (manifest.quantization),
 * under the worker's WORKER_GLIBC_TUNABLES. Measured with `scripts/bench-session.ts --models` (README, "Make your
 * model fit"), R50-FPN at 800x1035, peak of the session alone (arena off / on): fp32 471 / 551 MiB, weights 406 / 470,
 * static 350 / 406. The arena saves 12-21 % CPU (no page faults), but on the worker's ~120 MiB outside the session it
 * would take static int8 past a 512 MiB dyno (~526 MiB) where arena off stays under it (~470): memory first, off for
 * all three. Without the tunables the session keeps onnxruntime's arena (DEFAULT_TUNING).
 */
export const ARENA_BY_METHOD: Readonly<Record<"fp32" | "static" | "weights", boolean>> = { fp32: false, weights: false, static: false };

/**
 * Graph optimisation level per quantization method. Static int8 runs under "layout": onnxruntime's NHWC
 * transformer then keeps consecutive QLinearConv/QLinearAdd/MaxPool in channels-last (com.microsoft.QLinearConv)
 * instead of transposing around every QLinearConv, for the same peak (its weights are prepacked either way):
 * R50-FPN at 800x1035, CPU per page 0.41x fp32's under "extended", 0.37x under "layout", peak 349 / 351 MiB
 * (scripts/profile-ops.ts, README "Make your model fit"). fp32 and weights-only keep "extended": "layout" gives
 * their float Convs NCHWc copies of the weights (~140 MiB more).
 */
export const LEVEL_BY_METHOD: Readonly<Record<"fp32" | "static" | "weights", NonNullable<SessionTuning["graphOptimizationLevel"]>>> = {
  fp32: "extended",
  weights: "extended",
  static: "layout",
};

/** The session settings for a model folder: the defaults, with the arena and graph level chosen per quantization method, then `given`. */
export function tuningForModel(manifest: Pick<ModelManifest, "quantization">, given: SessionTuning = {}, env: Record<string, string | undefined> = process.env): SessionTuning {
  const method = manifest.quantization?.method ?? "fp32";
  const arena = ARENA_BY_METHOD[method];
  // The arena choice was measured under the worker's tunables; with glibc's defaults the plain default stands.
  const fromMethod: SessionTuning = { graphOptimizationLevel: LEVEL_BY_METHOD[method], ...(arena !== undefined && mallocReturnsBigBlocks(env) ? { enableCpuMemArena: arena } : {}) };
  return { ...fromMethod, ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) };
}

/** The defaults with `tuning` laid over them (undefined fields keep the default). */
export function effectiveTuning(tuning: SessionTuning = {}): Required<SessionTuning> {
  const given = Object.fromEntries(Object.entries(tuning).filter(([, value]) => value !== undefined));
  return { ...DEFAULT_TUNING, ...given };
}

export function sessionOptions(tuning: SessionTuning = {}): ort.InferenceSession.SessionOptions {
  const t = effectiveTuning(tuning);
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
    extra: { ...t.extra, session: { intra_op: { allow_spinning: t.allowSpinning ? "1" : "0" }, ...(t.extra.session as object | undefined) } },
  };
}

/** The size a page of `width` x `height` is fed to the model at: the graph's static size, else the manifest's policy. */
export function modelInputSize(manifest: ModelManifest, contract: ContractLayout, width: number, height: number): Size {
  if (contract.staticInput) return { ...contract.staticInput };
  if (manifest.resize.type === "fixed") return { width: manifest.resize.width, height: manifest.resize.height };
  return shortestEdgeSize(width, height, manifest.resize.shortestEdge, manifest.resize.maxSize);
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
  const effective = effectiveTuning(tuning);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(onnxPath, sessionOptions(effective));
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

  const runOnce = async (input: ModelInput, modelWidth: number, modelHeight: number, original: Size) => {
    if (released) throw new Error(`Model ${manifest.id} was released`);
    const fixed = contract.staticInput;
    if (fixed && (fixed.width !== modelWidth || fixed.height !== modelHeight)) {
      throw new Error(`Model ${manifest.id} takes ${fixed.width}x${fixed.height} input only, got ${modelWidth}x${modelHeight}`);
    }
    if (input.length !== 3 * modelWidth * modelHeight) {
      throw new Error(`Model input holds ${input.length} values, 3x${modelHeight}x${modelWidth} needs ${3 * modelWidth * modelHeight}`);
    }
    const widened = input instanceof Float32Array ? null : Float32Array.from(input);
    const tensor = new ort.Tensor("float32", widened ?? input, [3, modelHeight, modelWidth]);
    const started = performance.now();
    let results: ort.InferenceSession.ReturnType;
    try {
      results = await session.run({ [contract.inputName]: tensor });
    } catch (error) {
      throw new ModelRunError(error instanceof Error ? error.message : String(error), { cause: error });
    } finally {
      // Ours alone: freed now, not when this thread next collects (the inference thread rarely does).
      if (widened) freeNow(widened);
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
    tuning: effective,
    inputSizeFor: (width, height) => modelInputSize(manifest, contract, width, height),
    run: (input, modelWidth, modelHeight, original) => serialized(() => runOnce(input, modelWidth, modelHeight, original)),
    release: () =>
      serialized(async () => {
        if (released) return;
        released = true;
        await session.release();
      }),
  };
}
