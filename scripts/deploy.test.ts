import { existsSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { WORKER_GLIBC_TUNABLES, WORKER_NODE_FLAGS } from "../worker/model/session";
import { buildWorker } from "./build-worker";

const root = path.resolve(import.meta.dirname, "..");
const read = (f: string) => readFileSync(path.join(root, f), "utf8");
const pkg = JSON.parse(read("package.json")) as { scripts: Record<string, string>; dependencies: Record<string, string> };

/**
 * What can be checked without building the image: its references. `npm run test:image` (scripts/test-image.ts)
 * builds it and runs release, web and worker from it.
 */
describe("Dockerfile and heroku.yml", () => {
  const dockerfile = read("Dockerfile");
  const heroku = read("heroku.yml");

  it("copies only files that exist in the build context (or that the build stage makes)", () => {
    const produced = new Set(["/app/.next/standalone", "/app/.next/static", "/app/node_modules", "/app/dist/worker"]);
    const sources = [...dockerfile.matchAll(/^COPY\s+(?:--\S+\s+)*(.+)\s+\S+$/gm)].flatMap((m) => m[1]!.trim().split(/\s+/));
    expect(sources.length).toBeGreaterThan(5);
    for (const source of sources) {
      if (produced.has(source)) continue;
      const relative = source.replace(/^\/app\//, "");
      expect(existsSync(path.join(root, relative)), `${source} referenced by the Dockerfile`).toBe(true);
    }
  });

  it("keeps local installs and build outputs out of the build context (`COPY . .` would overwrite the image's own)", () => {
    const ignored = read(".dockerignore").split("\n").map((l) => l.trim());
    for (const entry of ["node_modules", ".next", "dist", ".tools", ".data", ".git"]) expect(ignored, entry).toContain(entry);
  });

  it("runs npm scripts that exist, as a non-root user, on a Node that satisfies engines", () => {
    for (const [, script] of dockerfile.matchAll(/npm run ([\w:-]+)/g)) expect(pkg.scripts, script).toHaveProperty(script!);
    for (const [, script] of heroku.matchAll(/npm run ([\w:-]+)/g)) expect(pkg.scripts, script).toHaveProperty(script!);
    expect(dockerfile).toMatch(/^USER node$/m);
    const node = /ARG NODE_VERSION=(\d+)/.exec(dockerfile)?.[1];
    expect(Number(node)).toBeGreaterThanOrEqual(22);
  });

  it("declares web, worker and a release phase that migrates", () => {
    expect(heroku).toMatch(/^\s+web: node web\/server\.js$/m);
    expect(heroku).toMatch(/release:[\s\S]*npm run db:migrate/);
    // The release phase runs TypeScript through tsx at run time: it must be a production dependency.
    expect(pkg.dependencies).toHaveProperty("tsx");
    expect(read("next.config.mjs")).toMatch(/output: "standalone"/);
  });
});

describe("the worker command", () => {
  const heroku = read("heroku.yml");

  it("is the same bundle, under the worker's malloc settings and Node flags, on Heroku and in `npm run worker`", () => {
    const command = `GLIBC_TUNABLES=${WORKER_GLIBC_TUNABLES} node ${WORKER_NODE_FLAGS.join(" ")} dist/worker/index.mjs`;
    expect(heroku).toContain(`worker: env ${command}\n`);
    expect(pkg.scripts.worker).toBe(`node scripts/node-version.mjs && ${command}`);
    // The image builds the bundle that the command runs.
    expect(read("Dockerfile")).toMatch(/npm run build:worker/);
    expect(pkg.scripts["build:worker"]).toMatch(/scripts\/build-worker\.ts/);
  });

  it("builds a bundle that leaves only runtime packages external and starts its render and inference threads from beside it", async () => {
    const outdir = await buildWorker(path.join(root, "dist", "worker"));
    const index = readFileSync(path.join(outdir, "index.mjs"), "utf8");
    const thread = readFileSync(path.join(outdir, "render-thread.mjs"), "utf8");
    const inference = readFileSync(path.join(outdir, "inference-thread.mjs"), "utf8");
    const imported = (code: string) => new Set([...code.matchAll(/^import .* from "([^"]+)";?$/gm)].map((m) => m[1]!.replace(/^(@[^/]+\/[^/]+|[^@/][^/]*).*/, "$1")));
    // Node's own modules, with or without the prefix (fflate, under the TIFF decoder, imports "module").
    const packages = [...imported(index), ...imported(thread), ...imported(inference)].filter((p) => !p.startsWith("node:") && !builtinModules.includes(p));
    for (const p of packages) expect(pkg.dependencies, `${p} is imported by the bundle at run time`).toHaveProperty(p);
    expect(imported(thread)).toContain("pdfjs-dist");
    expect(imported(inference)).toContain("onnxruntime-node");
    // The bundle starts each thread by its file name beside it (worker/thread-entry.ts).
    expect(index).toContain("`./${bundleName}.mjs`");
    expect(index).toContain(`import.meta.url), "render-thread"`);
    expect(index).toContain(`import.meta.url), "inference-thread"`);
    // drizzle-orm is bundled (see scripts/build-worker.ts), never loaded as ~70 ESM modules at run time.
    expect(packages).not.toContain("drizzle-orm");
    // The image drops some packages (or whole scopes) from the runtime's node_modules: none the bundle loads.
    const dropped = /^RUN rm -rf ((?:node_modules\/\S+ +)+)/m.exec(read("Dockerfile"))![1]!.trim().split(/ +/).map((d) => d.replace("node_modules/", ""));
    expect(dropped).toContain("next");
    for (const d of dropped) expect(packages.filter((p) => p === d || p.startsWith(`${d}/`)), `the Dockerfile removes ${d}`).toEqual([]);
  }, 60_000);
});
