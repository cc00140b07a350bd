/**
 * Entry point of a worker thread (render or inference) when it runs on Node's own TypeScript support (type
 * stripping) rather than tsx: tsx's loader makes importing pdf.js several times slower and costs ~200 MB, and a
 * render thread is started again after every time-out. The resolve hook (shared with the worker process) adds
 * ".ts" to extension-less relative imports; `workerData.threadModule` names the thread's own module. Only
 * erasable TypeScript may be used by the modules a thread loads.
 */
import { workerData } from "node:worker_threads";
import "./resolve-ts.ts";

await import((workerData as { threadModule: string }).threadModule);
