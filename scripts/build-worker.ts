/**
 * `npm run build:worker`: the worker as plain JavaScript, dist/worker/index.mjs and, beside it, the render
 * thread's render-thread.mjs. Run from its TypeScript (Node's type stripping) each of the worker's two V8
 * isolates instantiates Node's TypeScript stripper, ~20 MB each; bundling also links drizzle-orm's
 * ~70 circular ESM modules once, at build time. Measured: see README "Worker memory".
 */
import { build, type Plugin } from "esbuild";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");

/**
 * Loaded from node_modules at run time: native addons, packages that read their own files (pdf.js assets,
 * Graphile Worker's migrations) and the big CommonJS ones, which Node loads as they are. The AWS SDK is
 * bundled from its ES modules instead: only the S3 client and the commands we send are kept (~5 MiB less
 * than Node loading its CommonJS build; see README "Worker memory").
 */
const external = ["onnxruntime-node", "@napi-rs/canvas", "pdfjs-dist", "graphile-worker", "pg", "postgres"];

/**
 * zod re-exports every locale (~45 languages, 360 kB of the bundle, ~3.5 MiB once loaded) from its root; the
 * worker only uses English messages, which zod loads by itself. Where zod moves them, this matches nothing.
 */
const zodWithoutLocales: Plugin = {
  name: "zod-without-locales",
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/]/.test(args.importer) ? { path: "zod-locales", namespace: "empty" } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "empty" }, () => ({ contents: "export {};", loader: "js" }));
  },
};

export async function buildWorker(outdir = path.join(root, "dist", "worker")) {
  await build({
    absWorkingDir: root,
    entryPoints: { index: "worker/index.ts", "render-thread": "worker/render/render-thread.ts" },
    outdir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    external,
    // Packages without an exports map (the AWS SDK): their ES modules, which tree-shake.
    mainFields: ["module", "main"],
    // CommonJS inside the bundle (a few of the SDK's dependencies) requires Node's built-ins.
    banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
    plugins: [zodWithoutLocales],
    sourcemap: "linked",
    logLevel: "warning",
  });
  return outdir;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = performance.now();
  const outdir = await buildWorker();
  console.log(`worker built in ${Math.round(performance.now() - started)} ms: ${path.relative(root, outdir)}`);
}
