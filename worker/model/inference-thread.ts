/**
 * The inference thread (see session-thread.ts): loads the model named in workerData, then runs it on the pages
 * the worker's main thread sends, one at a time. Only erasable TypeScript here (it may run on Node's type stripping).
 */
import { parentPort, workerData } from "node:worker_threads";
import type { ModelFolder } from "./manifest";
import type { FromThread, ToThread } from "./session-thread";
import { loadModel, type SessionTuning } from "./session";
import { freeNow } from "../free-buffer";

const port = parentPort!;
const { folder, tuning } = workerData as { folder: ModelFolder; tuning: SessionTuning };
const post = (message: FromThread) => port.postMessage(message);
const failure = (error: unknown) => ({ name: error instanceof Error ? error.name : "Error", message: error instanceof Error ? error.message : String(error) });

try {
  const model = await loadModel(folder, tuning);
  port.on("message", (message: ToThread) => {
    if (message.type === "release") {
      void model.release().then(() => post({ type: "released" }));
      return;
    }
    const { id, input, width, height, original } = message;
    model
      .run(input, width, height, original)
      .then(
        ({ detections, inferMs }) => post({ type: "done", id, detections, inferMs }),
        (error: unknown) => post({ type: "error", id, error: failure(error) }),
      )
      // This isolate allocates too little to collect often: each page's input would wait here for a GC.
      .finally(() => freeNow(input));
  });
  post({ type: "ready", contract: model.contract, tuning: model.tuning });
} catch (error) {
  post({ type: "failed", error: failure(error) });
}
