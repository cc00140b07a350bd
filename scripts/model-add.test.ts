import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildContractModel } from "../worker/model/test-models";

/** The command itself, as a user runs it (tsx scripts/model-add.ts = npm run model:add). */
const SCRIPT = path.resolve(import.meta.dirname, "model-add.ts");
let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "pagewise-model-add-cli-"));
  await writeFile(path.join(root, "masks.onnx"), buildContractModel({ classes: 2, masks: true }));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const run = (...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", SCRIPT, ...args, "--models-dir", path.join(root, "models")], { encoding: "utf8", timeout: 120_000 });

describe("npm run model:add", () => {
  it("installs a model and prints what it found", async () => {
    const labelsFile = path.join(root, "labels.txt");
    await writeFile(labelsFile, "Text\nFigure\n");
    const r = run(path.join(root, "masks.onnx"), "--labels-file", labelsFile, "--name", "Masks test model", "--kind", "untrained");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^installed masks \(Masks test model, untrained\)/);
    expect(r.stdout).toMatch(/input +`image`, dynamic size; a letter page was fed at 800x1035/);
    expect(r.stdout).toMatch(/masks +yes/);
    expect(r.stdout).toMatch(/classes +2 \(box predictor/);
    expect(r.stdout).toMatch(/speed +\d+ ms\/page/);
    expect(r.stdout).toMatch(/memory +peak \d+ MiB \(VmHWM/);
    expect(r.stdout).toMatch(/uploads can choose ".+"; a worker serves it with WORKER_MODELS=/);
    const manifest = JSON.parse(await readFile(path.join(root, "models", "masks", "model.json"), "utf8"));
    expect(manifest).toMatchObject({ id: "masks", labels: ["Text", "Figure"], kind: "untrained" });
  });

  it("refuses with a readable reason and exit code 1, bad flags with 2", () => {
    const again = run(path.join(root, "masks.onnx"), "--labels", "Text,Figure");
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/^model:add failed: Refused: a model with id `masks` is already installed/);
    const usage = run("--labels", "a");
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/expected one .onnx file or model folder, got 0\nusage: npm run model:add/);
  });
});
