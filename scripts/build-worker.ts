/**
 * `npm run build:worker`: the worker as plain JavaScript, dist/worker/index.mjs and, beside it, its threads'
 * render-thread.mjs and inference-thread.mjs. Run from its TypeScript (Node's type stripping) each of the worker's two V8
 * isolates instantiates Node's TypeScript stripper, ~20 MB each; bundling also links drizzle-orm's
 * ~70 circular ESM modules once, at build time. Measured: see README "Worker memory".
 */
import { build } from "esbuild";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");

/**
 * Loaded from node_modules at run time: native addons, packages that read their own files (pdf.js assets,
 * Graphile Worker's migrations, tesseract.js's worker script and core) and the big CommonJS ones, which Node loads as they are.
 */
const external = ["onnxruntime-node", "@napi-rs/canvas", "@julusian/jpeg-turbo", "pdfjs-dist", "tesseract.js", "graphile-worker", "pg", "postgres", "@aws-sdk/*"];

export async function buildWorker(outdir = path.join(root, "dist", "worker")) {
  await build({
    absWorkingDir: root,
    entryPoints: { index: "worker/index.ts", "render-thread": "worker/render/render-thread.ts", "inference-thread": "worker/model/inference-thread.ts" },
    outdir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    external,
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
