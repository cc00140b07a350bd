import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..");
const read = (f: string) => readFileSync(path.join(root, f), "utf8");
const pkg = JSON.parse(read("package.json")) as { scripts: Record<string, string>; dependencies: Record<string, string> };

/** No Docker engine runs here, so the image is checked for what it can be checked for: its references. */
describe("Dockerfile and heroku.yml", () => {
  const dockerfile = read("Dockerfile");
  const heroku = read("heroku.yml");

  it("copies only files that exist in the build context (or that the build stage makes)", () => {
    const produced = new Set(["/app/.next/standalone", "/app/.next/static", "/app/node_modules"]);
    const sources = [...dockerfile.matchAll(/^COPY\s+(?:--\S+\s+)*(.+)\s+\S+$/gm)].flatMap((m) => m[1]!.trim().split(/\s+/));
    expect(sources.length).toBeGreaterThan(5);
    for (const source of sources) {
      if (produced.has(source)) continue;
      const relative = source.replace(/^\/app\//, "");
      expect(existsSync(path.join(root, relative)), `${source} referenced by the Dockerfile`).toBe(true);
    }
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
    expect(heroku).toMatch(/^\s+worker: node --import \.\/worker\/resolve-ts\.ts worker\/index\.ts$/m);
    expect(existsSync(path.join(root, "worker/resolve-ts.ts"))).toBe(true);
    expect(heroku).toMatch(/release:[\s\S]*npm run db:migrate/);
    expect(existsSync(path.join(root, "worker/index.ts"))).toBe(true);
    // The worker and the release phase run TypeScript through tsx at run time: it must be a production dependency.
    expect(pkg.dependencies).toHaveProperty("tsx");
    expect(read("next.config.mjs")).toMatch(/output: "standalone"/);
  });
});
