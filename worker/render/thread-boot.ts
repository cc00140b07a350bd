/**
 * Entry point of the render thread when it runs on Node's own TypeScript support (type stripping) rather
 * than tsx: tsx's loader makes importing pdf.js several times slower and costs ~200 MB, and a thread is
 * started again after every time-out. The resolve hook (shared with the worker process) adds ".ts" to
 * extension-less relative imports. Only erasable TypeScript may be used by the modules the thread loads.
 */
import "../resolve-ts.ts";

await import(new URL("./render-thread.ts", import.meta.url).href);
