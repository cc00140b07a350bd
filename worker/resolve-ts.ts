/**
 * Lets Node run the worker's TypeScript itself (type stripping), without tsx: `node --import
 * ./worker/resolve-ts.ts worker/index.ts`. Node does not resolve extension-less relative specifiers, so
 * this hook adds ".ts". Under tsx, every module of the AWS SDK, pg and onnxruntime goes through its
 * transform and source maps, which costs the worker ~200 MB of RSS (measured); native stripping does not.
 * Only erasable TypeScript may be used by what the worker loads (no enums, no parameter properties).
 */
import { registerHooks } from "node:module";

/**
 * Packages loaded through their CommonJS build. drizzle-orm's ESM build is ~70 modules of circular
 * `export *`; linking them grows V8's heap to ~85 MB of garbage and leaves the worker ~140 MB higher for
 * good (its CommonJS build: +15 MB). The names exported are the same.
 */
const PREFER_REQUIRE = /^drizzle-orm(?:\/|$)/;

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (PREFER_REQUIRE.test(specifier)) {
      const conditions = context.conditions.filter((c) => c !== "import" && c !== "module-sync");
      return nextResolve(specifier, { ...context, conditions: [...conditions, "require"] });
    }
    const relative = specifier.startsWith("./") || specifier.startsWith("../");
    if (!relative || /\.[cm]?[jt]s$/.test(specifier)) return nextResolve(specifier, context);
    try {
      return nextResolve(`${specifier}.ts`, context);
    } catch {
      return nextResolve(specifier, context);
    }
  },
});
