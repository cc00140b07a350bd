import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isSupported, MINIMUM, versionProblem } from "./node-version.mjs";

const root = path.resolve(import.meta.dirname, "..");
const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
  engines: { node: string };
  scripts: Record<string, string>;
};
const SYSTEM_NODE = "/usr/bin/node";
const systemNodeVersion = existsSync(SYSTEM_NODE)
  ? spawnSync(SYSTEM_NODE, ["--version"], { encoding: "utf8" }).stdout.trim()
  : "";
const oldSystemNode = systemNodeVersion !== "" && !isSupported(systemNodeVersion);

function check(nodeBinary: string, args: string[] = []) {
  return spawnSync(nodeBinary, [path.join(root, "scripts", "node-version.mjs"), ...args], { encoding: "utf8", cwd: root });
}

describe("the Node version check", () => {
  it("compares versions numerically, from the engines range of package.json", () => {
    expect(pkg.engines.node).toBe(`>=${MINIMUM}`);
    for (const v of ["22.18.0", "v22.18.0", "22.19.1", "23.0.0", "24.21.0", "100.0.0"]) expect(isSupported(v), v).toBe(true);
    for (const v of ["22.17.9", "22.9.0", "20.20.2", "v18.19.0", "junk"]) expect(isSupported(v), v).toBe(false);
  });

  it("refuses an older Node in a child process with one sentence that says how to get Node 24", () => {
    const result = check(process.execPath, ["20.20.2"]);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(versionProblem("20.20.2", process.platform, process.arch));
    expect(result.stderr).toMatch(/^Pagewise needs Node >= 22\.18, you have 20\.20\.2; get Node 24 with: mkdir -p \.tools && npm install --prefix \.tools --no-save node-\w+-\w+@24 && export PATH=/);
    expect(check(process.execPath).status).toBe(0);
  });

  it("runs first in every entry point a person runs", () => {
    for (const name of ["dev", "start", "web", "worker", "build", "build:worker", "db:migrate", "bench", "model:pull", "model:baseline", "test", "test:unit", "test:e2e", "postinstall"]) {
      expect(pkg.scripts[name], name).toMatch(/^node scripts\/node-version\.mjs && /);
    }
    expect(readFileSync(path.join(root, ".npmrc"), "utf8")).toMatch(/^engine-strict=true$/m);
  });

  it.runIf(oldSystemNode)(`stops \`npm run worker\` and \`npm run dev\` under the system's old Node (${systemNodeVersion || "none"}) before any TypeScript loads`, () => {
    const underOldNode = { ...process.env, PATH: `/usr/bin:/bin` };
    const direct = check(SYSTEM_NODE);
    expect(direct.status).toBe(1);
    expect(direct.stderr).toContain(`you have ${systemNodeVersion.replace(/^v/, "")}`);
    for (const script of ["worker", "dev"]) {
      const run = spawnSync("npm", ["run", "--silent", script], { cwd: root, env: underOldNode, encoding: "utf8", timeout: 60_000 });
      expect(run.status, script).not.toBe(0);
      expect(run.stderr, script).toContain("Pagewise needs Node >= 22.18");
      expect(run.stderr, script).not.toMatch(/ERR_UNKNOWN_FILE_EXTENSION|SyntaxError/);
    }
  });

  it.runIf(oldSystemNode)("makes `npm ci` refuse the system's old Node (engine-strict)", () => {
    // --dry-run: npm checks the engines of the project before it would touch node_modules.
    const run = spawnSync("npm", ["ci", "--dry-run", "--no-audit", "--no-fund"], { cwd: root, env: { ...process.env, PATH: "/usr/bin:/bin" }, encoding: "utf8", timeout: 60_000 });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/EBADENGINE/);
    expect(run.stderr).toContain('Required: {"node":">=22.18.0"}');
  });
});
