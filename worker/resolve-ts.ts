/**
 * Lets Node run the worker's TypeScript itself (type stripping), without tsx: `node --import
 * ./worker/resolve-ts.ts worker/index.ts`. Node does not resolve extension-less relative specifiers, so
 * this hook adds ".ts". Under tsx, every module of the AWS SDK, pg and onnxruntime goes through its
 * transform and source maps, which costs the worker ~200 MB of RSS (measured); native stripping does not.
 * Only erasable TypeScript may be used by what the worker loads (no enums, no parameter properties).
 */
import { registerHooks } from "node:module";

registerHooks({
  resolve(specifier, context, nextResolve) {
    const relative = specifier.startsWith("./") || specifier.startsWith("../");
    if (!relative || /\.[cm]?[jt]s$/.test(specifier)) return nextResolve(specifier, context);
    try {
      return nextResolve(`${specifier}.ts`, context);
    } catch {
      return nextResolve(specifier, context);
    }
  },
});
