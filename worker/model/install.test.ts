import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRenderer } from "../render/renderer";
import { formatReport, parseAddArgs } from "./add-args";
import { readModelFolder } from "./manifest";
import { DataType, encodeModel, GraphBuilder } from "./onnx-writer";
import { installModel, parseLabelsFile, type InstallRequest } from "./install";
import { loadModel } from "./session";
import { buildContractModel, buildThrowsOnBlankModel, missingSharedFiles, SHARED_R50_ONNX } from "./test-models";

const renderer = createRenderer({ timeoutMs: 60_000, maxPixels: 8_000_000 });
let root: string;
let modelsDir: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "pagewise-model-add-"));
  modelsDir = path.join(root, "models");
});
afterAll(async () => {
  await renderer.close();
  await rm(root, { recursive: true, force: true });
});

async function file(name: string, bytes: Uint8Array | string) {
  const p = path.join(root, name);
  await writeFile(p, bytes);
  return p;
}
const add = (req: Omit<InstallRequest, "modelsDir">) => installModel({ ...req, modelsDir }, renderer);
/** Nothing but complete model folders under models/: no temporary folder left behind. */
const installed = async () => (await readdir(modelsDir).catch(() => [] as string[])).sort();

describe("model:add on models the tests make", () => {
  it("installs a dynamic-input model without masks: manifest with sha256, graph beside it, loadable by the worker", async () => {
    const onnx = await file("dyn.onnx", buildContractModel({ classes: 3 }));
    const r = await add({ source: onnx, labels: ["Text", "Table", "Figure"], id: "dyn", name: "Dynamic test model", kind: "untrained" });
    expect(r.classes.classes).toBe(3);
    expect(r.probe.contract).toMatchObject({ inputName: "image", staticInput: null, masks: null });
    expect(r.probe.detections).toEqual({ layout: 1, blank: 1 });
    expect(r.probe.inputSize).toEqual({ width: 800, height: 1035 });
    expect(r.probe.msPerPage).toBeGreaterThanOrEqual(0);
    expect(r.probe.peakMib).toBeGreaterThan(0);
    expect(r.sha256).toMatch(/^[0-9a-f]{64}$/);
    const folder = await readModelFolder(path.join(modelsDir, "dyn"));
    expect(folder.manifest).toMatchObject({ id: "dyn", name: "Dynamic test model", kind: "untrained", labels: ["Text", "Table", "Figure"], sha256: r.sha256, file: "model.onnx" });
    expect(folder.manifest.resize).toEqual({ type: "shortest-edge", shortestEdge: 800, maxSize: 1333 });
    const model = await loadModel(folder);
    await model.release();
    const report = formatReport(r);
    expect(report).toMatch(/input +`image`, dynamic size/);
    expect(report).toMatch(/masks +no/);
    expect(report).toMatch(/\d+ ms\/page/);
    expect(report).toMatch(/peak \d+ MiB/);
  });

  it("installs a fixed-size Mask R-CNN-shaped model: the fixed size goes into the manifest, masks are reported", async () => {
    const onnx = await file("static.onnx", buildContractModel({ classes: 2, masks: true, staticInput: { width: 600, height: 776 } }));
    const r = await add({ source: onnx, labels: ["Text", "Figure"], id: "static-masks", kind: "untrained" });
    expect(r.probe.contract).toMatchObject({ staticInput: { width: 600, height: 776 }, masks: 2 });
    expect(r.probe.inputSize).toEqual({ width: 600, height: 776 });
    expect(r.manifest.resize).toEqual({ type: "fixed", width: 600, height: 776 });
    expect(formatReport(r)).toMatch(/fixed size 600x776[\s\S]*masks +yes/);
  });

  it("installs a folder with a model.json (as tools/detectron2/export.py writes it), flags overriding it", async () => {
    const src = path.join(root, "exported");
    await mkdir(src);
    await writeFile(path.join(src, "model.onnx"), buildContractModel({ classes: 2 }));
    await writeFile(path.join(src, "model.json"), JSON.stringify({ id: "exported", name: "From export.py", kind: "trained", labels: ["A", "B"], scoreThreshold: 0.7 }));
    const r = await add({ source: src, name: "Renamed" });
    expect(r.manifest).toMatchObject({ id: "exported", name: "Renamed", kind: "trained", labels: ["A", "B"], scoreThreshold: 0.7 });
  });

  it("names a folder without model.json after the folder", async () => {
    const src = path.join(root, "Bare Folder");
    await mkdir(src);
    await writeFile(path.join(src, "model.onnx"), buildContractModel({ classes: 1 }));
    const r = await add({ source: src, labels: ["Text"], kind: "untrained" });
    expect(r.manifest.id).toBe("bare-folder");
  });
});

describe("model:add refuses, each with its reason, and leaves nothing installed", () => {
  it("a .onnx that is not a model", async () => {
    const onnx = await file("page.onnx", "<!doctype html><html><body>Not found</body></html>\n");
    await expect(add({ source: onnx, labels: ["Text"], id: "html" })).rejects.toThrow(/is not an ONNX model/);
    expect(await installed()).not.toContain("html");
  });

  it("a model with the wrong outputs", async () => {
    const g = new GraphBuilder();
    g.nodes.push({ op: "ReduceMean", inputs: ["image"], outputs: ["mean"], attrs: { axes: [0], keepdims: 0 } });
    const bytes = encodeModel({
      name: "not-detectron2",
      producer: "tests",
      opset: 17,
      nodes: g.nodes,
      initializers: g.initializers,
      inputs: [{ name: "image", dataType: DataType.FLOAT, shape: [3, "h", "w"] }],
      outputs: [{ name: "mean", dataType: DataType.FLOAT, shape: ["h", "w"] }],
    });
    const onnx = await file("mean.onnx", bytes);
    await expect(add({ source: onnx, labels: ["Text"], id: "mean" })).rejects.toThrow(/Not a Detectron2 ONNX export: expected 4 outputs .* found 1 output `mean`/);
    expect(await installed()).not.toContain("mean");
  });

  it("a label list whose length is not the graph's class count, or no labels at all", async () => {
    const onnx = await file("three.onnx", buildContractModel({ classes: 3 }));
    await expect(add({ source: onnx, labels: ["Text", "Title", "List", "Table", "Figure"], id: "three" })).rejects.toThrow(
      /5 labels given \(Text, Title, List, Table, Figure\), but the graph emits 3 classes/,
    );
    await expect(add({ source: onnx, id: "three" })).rejects.toThrow(/no labels: the graph emits 3 classes/);
    expect(await installed()).not.toContain("three");
  });

  it("a model that crashes on a blank page", async () => {
    const onnx = await file("throws.onnx", buildThrowsOnBlankModel());
    await expect(add({ source: onnx, labels: ["Text", "Title", "List", "Table", "Figure"], id: "throws" })).rejects.toThrow(/model failed on a blank page: .*Reshape/);
    expect(await installed()).not.toContain("throws");
  });

  it("a folder whose graph is not the one its model.json hashed", async () => {
    const src = path.join(root, "changed");
    await mkdir(src);
    await writeFile(path.join(src, "model.onnx"), buildContractModel({ classes: 1 }));
    await writeFile(path.join(src, "model.json"), JSON.stringify({ id: "changed", labels: ["A"], sha256: "0".repeat(64) }));
    await expect(add({ source: src })).rejects.toThrow(/but its model.json says 0{64}: the file changed/);
    expect(await installed()).not.toContain("changed");
  });

  it("an id that already exists", async () => {
    const onnx = await file("again.onnx", buildContractModel({ classes: 3 }));
    await expect(add({ source: onnx, labels: ["a", "b", "c"], id: "dyn" })).rejects.toThrow(/a model with id `dyn` is already installed/);
    expect(JSON.parse(await readFile(path.join(modelsDir, "dyn", "model.json"), "utf8")).name).toBe("Dynamic test model");
  });

  it("leaves only complete folders behind", async () => {
    expect(await installed()).toEqual(["bare-folder", "dyn", "exported", "static-masks"]);
  });
});

describe("model:add's command line", () => {
  it("parses its flags and refuses bad ones", () => {
    expect(parseAddArgs({ labels: "Text, Title ,Figure", id: "x", kind: "untrained" }, ["m.onnx"])).toMatchObject({ source: "m.onnx", labels: ["Text", "Title", "Figure"], id: "x", kind: "untrained" });
    expect(() => parseAddArgs({}, [])).toThrow(/expected one .onnx file or model folder, got 0/);
    expect(() => parseAddArgs({ labels: "a,,b" }, ["m.onnx"])).toThrow(/empty name/);
    expect(() => parseAddArgs({ kind: "heuristic" }, ["m.onnx"])).toThrow(/kind/);
    expect(() => parseAddArgs({ labels: "a", "labels-file": "f" }, ["m.onnx"])).toThrow(/not both/);
    expect(parseLabelsFile("Text\n\nTitle\r\n", "f")).toEqual(["Text", "Title"]);
    expect(parseLabelsFile('["Text","Title"]', "f")).toEqual(["Text", "Title"]);
    expect(() => parseLabelsFile("[1,2]", "f")).toThrow(/JSON array of non-empty names/);
  });
});

describe.skipIf(missingSharedFiles().length > 0)("model:add on the shared Detectron2 R50-FPN export (untrained weights)", () => {
  it("reads 5 classes from its box predictor and refuses 4 labels", async () => {
    await expect(add({ source: SHARED_R50_ONNX, labels: ["Text", "Title", "List", "Table"], id: "r50" })).rejects.toThrow(/4 labels given .* the graph emits 5 classes \(box predictor `model.roi_heads.box_predictor.cls_score.weight` \[6 = 5 classes \+ background\]/);
  });

  it("installs it (the graph hard-linked, or copied across filesystems) with its sha256", { timeout: 240_000 }, async () => {
    const r = await add({ source: SHARED_R50_ONNX, labels: ["Text", "Title", "List", "Table", "Figure"], id: "r50", kind: "untrained", name: "R50-FPN untrained" });
    expect(r.sha256).toBe("feb007e86374abe751ab574042b653191d2a0e436d2e67c7a6f23aa14995fff8");
    expect(r.probe.contract).toMatchObject({ inputName: "image", staticInput: null, masks: null });
    expect(r.probe.inputSize).toEqual({ width: 800, height: 1035 });
    expect(r.probe.detections.blank).toBe(0);
    const installedSize = (await stat(path.join(modelsDir, "r50", "model.onnx"))).size;
    expect(installedSize).toBe((await stat(SHARED_R50_ONNX)).size);
    expect((await readModelFolder(path.join(modelsDir, "r50"))).manifest).toMatchObject({ id: "r50", kind: "untrained", sha256: r.sha256 });
  });
});
