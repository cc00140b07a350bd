/**
 * How the worker process starts its threads (render-thread.ts, inference-thread.ts) from its bundle, from its
 * TypeScript on Node's type stripping, or under tsx (a test runner with its own transform).
 */
import { createRequire, registerHooks } from "node:module";
import { pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);
const TSX_FLAGS = new Set(["--require", "-r", "--import", "--loader", "--experimental-loader"]);
const isTsx = (arg: string) => /(^|[\\/])tsx([\\/]|$)/.test(arg);
/** V8 heap sizes are per process (WORKER_NODE_FLAGS): a Worker given one refuses to start; threads set theirs in resourceLimits. */
const isHeapSize = (arg: string) => /^--(max|min)-[a-z-]*space-size(=|$)/.test(arg);

/**
 * True when this module runs from the worker bundle (scripts/build-worker.ts writes dist/worker/index.mjs
 * and, beside it, one .mjs per thread), not from its TypeScript source.
 */
const bundled = import.meta.url.endsWith(".mjs");

/** Whether this Node runs erasable TypeScript by itself (22.18+, 23.6+ by default) and has in-thread module hooks. */
export const nativeTypeScript = typeof (process.features as { typescript?: unknown }).typescript === "string" && typeof registerHooks === "function";

export type ThreadLoader = "native" | "tsx";

/**
 * Where a thread starts and with which flags. `source`: the thread's TypeScript module; `bundleName`: its file
 * beside the bundle. "native": thread-boot.ts on Node's type stripping, the parent's tsx flags removed (loading
 * pdf.js through tsx's loader costs seconds per thread). "tsx": the module through tsx's loader: under `tsx file.ts`
 * or `node --import tsx` the parent's flags already carry it; elsewhere it is added by absolute URL, so it resolves
 * from any directory. Pass `workerData` on to the Worker: the native boot reads the module to load from it.
 */
export function threadEntry(source: URL, bundleName: string, loader: ThreadLoader = nativeTypeScript ? "native" : "tsx"): { url: URL; execArgv: string[]; workerData: { threadModule: string } } {
  const inherited = process.execArgv;
  const workerData = { threadModule: source.href };
  if (bundled) return { url: new URL(`./${bundleName}.mjs`, import.meta.url), execArgv: [], workerData };
  if (loader === "native") {
    const execArgv: string[] = [];
    for (let i = 0; i < inherited.length; i++) {
      const arg = inherited[i]!;
      if (TSX_FLAGS.has(arg) && isTsx(inherited[i + 1] ?? "")) i++;
      else if (!(arg.startsWith("--") && arg.includes("=") && isTsx(arg)) && !isHeapSize(arg)) execArgv.push(arg);
    }
    return { url: new URL("./thread-boot.ts", import.meta.url), execArgv, workerData };
  }
  const kept = inherited.filter((arg) => !isHeapSize(arg));
  const execArgv = kept.some(isTsx) ? kept : [...kept, "--import", pathToFileURL(require.resolve("tsx")).href];
  return { url: source, execArgv, workerData };
}
