/**
 * Entry point of the render thread when it runs on Node's own TypeScript support (type stripping) rather
 * than tsx: tsx's loader makes importing pdf.js several times slower, and a thread is started again after
 * every time-out. Node strips types but does not resolve extension-less specifiers, so a resolve hook
 * adds ".ts" to relative imports that have no extension. Only erasable TypeScript may be used by the
 * modules the thread loads (no enums, no parameter properties, `import type` for types).
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

await import(new URL("./render-thread.ts", import.meta.url).href);
