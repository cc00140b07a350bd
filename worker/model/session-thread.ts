/**
 * The worker's model session in its own thread. onnxruntime-node's `session.run` holds the thread that calls it
 * until the graph is done (0.6-2.5 s a page for R50-FPN on 2 cores): in the worker's main thread it stalled the
 * other page in flight (its upload, its database writes, the next job's fetch) for the whole inference, so that work
 * ran between inferences instead of during them. Here the main thread only posts the model input (transferred, not
 * copied) and gets the detections back. The thread's own cost: one more V8 isolate, ~15 MiB (README "Make your model fit").
 */
import { Worker } from "node:worker_threads";
import type { ContractLayout } from "./contract";
import { ModelContractError } from "./contract";
import type { Detection, Size } from "./decode";
import type { ModelFolder } from "./manifest";
import { ModelRunError, modelInputSize, type LoadedModel, type ModelInput, type SessionTuning } from "./session";
import { threadEntry, type ThreadLoader } from "../thread-entry";

type Failure = { name: string; message: string };
export type ToThread =
  | { type: "run"; id: number; input: ModelInput; width: number; height: number; original: Size }
  | { type: "release" };
export type FromThread =
  | { type: "ready"; contract: ContractLayout; tuning: Required<SessionTuning> }
  | { type: "failed"; error: Failure }
  | { type: "done"; id: number; detections: Detection[]; inferMs: number }
  | { type: "error"; id: number; error: Failure }
  | { type: "released" };

/** The thread's young generation in MiB: its garbage is a page's detections. */
const THREAD_YOUNG_MB = 2;

/** The error as the caller would have seen it from an in-process session (ModelRunError costs a page its boxes, not its job). */
function revive({ name, message }: Failure): Error {
  if (name === "ModelRunError") return new ModelRunError(message);
  if (name === "ModelContractError") return new ModelContractError(message);
  const error = new Error(message);
  error.name = name;
  return error;
}

/** Like loadModel, with the session in a worker thread. Rejects as loadModel would when the model does not load. */
export async function loadModelInThread(folder: ModelFolder, tuning?: SessionTuning, loader?: ThreadLoader): Promise<LoadedModel> {
  const entry = threadEntry(new URL("./inference-thread.ts", import.meta.url), "inference-thread", loader);
  const worker = new Worker(entry.url, {
    execArgv: entry.execArgv,
    workerData: { ...entry.workerData, folder, tuning: tuning ?? {} },
    resourceLimits: { maxYoungGenerationSizeMb: THREAD_YOUNG_MB },
  });
  const pending = new Map<number, { resolve: (r: { detections: Detection[]; inferMs: number }) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let released: Promise<void> | undefined;
  let onReleased = () => {};
  let gone: Error | null = null;

  const ready = new Promise<Extract<FromThread, { type: "ready" }>>((resolve, reject) => {
    worker.on("message", (message: FromThread) => {
      if (message.type === "ready") resolve(message);
      else if (message.type === "failed") reject(revive(message.error));
      else if (message.type === "released") onReleased();
      else {
        const call = pending.get(message.id);
        pending.delete(message.id);
        if (message.type === "done") call?.resolve(message);
        else call?.reject(revive(message.error));
      }
    });
    worker.on("error", (error) => {
      gone = error;
      reject(error);
    });
    worker.on("exit", (code) => {
      gone ??= new Error(`the inference thread of model ${folder.manifest.id} exited (code ${code})`);
      reject(gone);
      for (const call of pending.values()) call.reject(gone);
      pending.clear();
      onReleased();
    });
  });
  let boot: Extract<FromThread, { type: "ready" }>;
  try {
    boot = await ready;
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  const { contract } = boot;
  return {
    manifest: folder.manifest,
    contract,
    tuning: boot.tuning,
    inputSizeFor: (width, height) => modelInputSize(folder.manifest, contract, width, height),
    run(input, width, height, original) {
      if (released) return Promise.reject(new Error(`Model ${folder.manifest.id} was released`));
      if (gone) return Promise.reject(gone);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        // A whole buffer moves to the thread; a view into a larger one is copied.
        const own = input.byteOffset === 0 && input.byteLength === input.buffer.byteLength && input.buffer instanceof ArrayBuffer;
        const message: ToThread = { type: "run", id, input, width, height, original };
        worker.postMessage(message, own ? [input.buffer as ArrayBuffer] : []);
      });
    },
    release() {
      released ??= gone
        ? worker.terminate().then(() => {})
        : new Promise<void>((resolve) => {
            onReleased = resolve;
            worker.postMessage({ type: "release" } satisfies ToThread);
          }).then(() => worker.terminate().then(() => {}));
      return released;
    },
  };
}
