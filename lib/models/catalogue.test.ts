import { mkdtemp, rm, unlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBaselineModel } from "../../worker/model/baseline-graph";
import { writeModelFolder } from "../../worker/model/test-models";
import { workerModels } from "../../worker/model/worker-models";
import { readCatalogue } from "./catalogue";

let root: string;
const graph = buildBaselineModel();
const model = (name: string, id = name) => writeModelFolder(path.join(root, name), graph, { id, name: `Model ${name}`, kind: "untrained" });

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "pagewise-catalogue-"));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe("model catalogue", () => {
  it("lists every valid folder, leaves out invalid ones with a reason, and refuses an id two folders claim", async () => {
    await model("alpha");
    await model("beta");
    await model("twin-a", "twin");
    await model("twin-b", "twin");
    await model("no-onnx");
    await unlink(path.join(root, "no-onnx", "model.onnx"));
    await model("bad-json");
    await writeFile(path.join(root, "bad-json", "model.json"), JSON.stringify({ id: "Bad Id!", name: "x", kind: "trained", labels: [] }));
    await model("not-json");
    await writeFile(path.join(root, "not-json", "model.json"), "{ half");

    const c = await readCatalogue({ folders: [root] });
    expect(c.models.map((m) => m.manifest.id)).toEqual(["alpha", "beta"]);
    expect(c.get("twin")).toBeUndefined();
    expect(c.duplicates).toEqual([expect.stringMatching(/^Model id "twin" is claimed by 2 folders \(.*twin-a, .*twin-b\)/)]);
    const problems = c.problems.join("\n");
    expect(problems).toMatch(/no-onnx is not installed: its model.json names model.onnx, which is missing/);
    expect(problems).toMatch(/bad-json is not installed: Invalid model manifest .*model.json/);
    expect(problems).toMatch(/not-json is not installed/);
    expect(c.defaultId).toBe("alpha");

    // A worker refuses to start on the ambiguous id, naming both folders.
    expect(() => workerModels(c, ["alpha"])).toThrow(/Refusing to start: Model id "twin" is claimed by 2 folders/);
  });

  it("takes DEFAULT_MODEL, else MODEL_DIR's model; MODEL_DIR alone still installs one model", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "pagewise-catalogue-2-"));
    try {
      await writeModelFolder(path.join(dir, "one"), graph, { id: "one", name: "One", kind: "heuristic" });
      await writeModelFolder(path.join(dir, "two"), graph, { id: "two", name: "Two", kind: "trained" });
      const legacy = await readCatalogue({ folders: [], modelDir: path.join(dir, "two") });
      expect(legacy.models.map((m) => m.manifest.id)).toEqual(["two"]);
      expect(legacy.defaultId).toBe("two");
      expect((await readCatalogue({ folders: [dir], modelDir: path.join(dir, "two") })).defaultId).toBe("two");
      expect((await readCatalogue({ folders: [dir], modelDir: path.join(dir, "two"), defaultModel: "one" })).defaultId).toBe("one");
      const wrong = await readCatalogue({ folders: [dir], modelDir: path.join(dir, "two"), defaultModel: "three" });
      expect(wrong.defaultId).toBe("two");
      expect(wrong.problems).toContain('DEFAULT_MODEL is "three", which is not installed (installed: one, two)');
      // A MODEL_DIR that is not a model folder is said so, not skipped.
      const missing = await readCatalogue({ folders: [dir], modelDir: path.join(dir, "nowhere") });
      expect(missing.problems.join("\n")).toMatch(/nowhere is not installed: No model manifest/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a worker serves the default model unless WORKER_MODELS names others, and refuses a model that is not installed", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "pagewise-catalogue-3-"));
    try {
      await writeModelFolder(path.join(dir, "one"), graph, { id: "one", name: "One", kind: "heuristic" });
      await writeModelFolder(path.join(dir, "two"), graph, { id: "two", name: "Two", kind: "trained" });
      const c = await readCatalogue({ folders: [dir], defaultModel: "two" });
      expect(workerModels(c, []).map((f) => f.manifest.id)).toEqual(["two"]);
      expect(workerModels(c, ["one", "two", "one"]).map((f) => f.manifest.id)).toEqual(["one", "two"]);
      expect(() => workerModels(c, ["three"])).toThrow('WORKER_MODELS names model "three", which is not installed; installed: one, two');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
