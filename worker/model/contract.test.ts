import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkContract, checkOutputs, ModelContractError } from "./contract";
import { readModelFolder } from "./manifest";
import { DataType, encodeModel, GraphBuilder, type ValueSpec } from "./onnx-writer";
import { DEFAULT_TUNING, effectiveTuning, loadModel, mallocReturnsBigBlocks, ModelRunError, WORKER_GLIBC_TUNABLES } from "./session";
import { buildThrowsOnBlankModel, writeModelFolder } from "./test-models";

const t = (name: string, type: string, shape: (number | string)[]) => ({ name, isTensor: true as const, type: type as "float32", shape });
const exportModelOutputs = [t("boxes.35", "float32", ["N", 4]), t("value.3", "int64", ["N"]), t("value.4", "float32", ["N"]), t("value.5", "int64", [2])];

describe("checkContract (metadata)", () => {
  it("reads an export_model.py export by position, whatever its names, and reports its static input size", () => {
    const layout = checkContract([t("x.1", "float32", [3, 1035, 800])], exportModelOutputs);
    expect(layout).toMatchObject({
      inputName: "x.1",
      outputNames: ["boxes.35", "value.3", "value.4", "value.5"],
      boxes: 0,
      classes: 1,
      masks: null,
      scores: 2,
      imageSize: 3,
      staticInput: { width: 800, height: 1035 },
      shapesKnown: true,
    });
    expect(layout.summary).toBe("input `x.1` float32 [3,1035,800]; outputs `boxes.35` float32 [N,4], `value.3` int64 [N], `value.4` float32 [N], `value.5` int64 [2]");
  });

  it("finds Mask R-CNN masks at position 2", () => {
    const layout = checkContract(
      [t("image", "float32", [3, "h", "w"])],
      [t("a", "float32", ["N", 4]), t("b", "int64", ["N"]), t("m", "float32", ["N", 1, 28, 28]), t("c", "float32", ["N"]), t("d", "int64", [2])],
    );
    expect(layout).toMatchObject({ boxes: 0, classes: 1, masks: 2, scores: 3, imageSize: 4, staticInput: null });
  });

  it("accepts undeclared shapes, to be checked on every run", () => {
    const layout = checkContract([t("image", "float32", [])], exportModelOutputs.map((o) => ({ ...o, shape: [] })));
    expect(layout).toMatchObject({ staticInput: null, shapesKnown: false });
  });

  it("refuses other models, saying what it expected and what it found", () => {
    const yolo = () => checkContract([t("images", "float32", [1, 3, 640, 640])], [t("output0", "float32", [1, 84, 8400])]);
    expect(yolo).toThrow(ModelContractError);
    expect(yolo).toThrow(/expected 1 input of float32 \[3,H,W\].*, found 1 input `images` float32 \[1,3,640,640\]$/);
    expect(() => checkContract([t("image", "float64", [3, "h", "w"])], exportModelOutputs)).toThrow(/found 1 input `image` float64 \[3,h,w\]/);
    expect(() => checkContract([t("image", "float32", ["h", "w", 3])], exportModelOutputs)).toThrow(/found 1 input `image` float32 \[h,w,3\]/);
    expect(() => checkContract([t("a", "float32", [3, "h", "w"]), t("b", "float32", [3, "h", "w"])], exportModelOutputs)).toThrow(/found 2 inputs/);
    expect(() => checkContract([t("x", "float32", [3, "h", 800])], exportModelOutputs)).toThrow(/both H and W fixed or both free/);
  });

  it("refuses wrong outputs, naming the one that does not fit", () => {
    const image = [t("image", "float32", [3, "h", "w"])];
    const swap = (i: number, o: ReturnType<typeof t>) => exportModelOutputs.map((x, k) => (k === i ? o : x));
    expect(() => checkContract(image, swap(1, t("value.3", "float32", ["N"])))).toThrow(/expected output 1 to be classes int64 \[N\].*found `value.3` float32 \[N\]/);
    expect(() => checkContract(image, swap(0, t("boxes", "float32", ["N", 5])))).toThrow(/output 0 to be boxes float32 \[N,4\]/);
    expect(() => checkContract(image, swap(3, t("size", "int64", [3])))).toThrow(/output 3 to be image_size int64 \[2\]/);
    expect(() => checkContract(image, exportModelOutputs.slice(0, 3))).toThrow(/expected 4 outputs .* or 5 .*, found 3 outputs/);
    expect(() =>
      checkContract(image, [...exportModelOutputs.slice(0, 2), t("m", "float32", ["N", 28, 28]), ...exportModelOutputs.slice(2)]),
    ).toThrow(/output 2 to be masks float32 \[N,1,S,S\]/);
  });
});

describe("checkOutputs (run time)", () => {
  const layout = checkContract([t("image", "float32", [3, "h", "w"])], exportModelOutputs);
  const good = (): ort.Tensor[] => [
    new ort.Tensor("float32", new Float32Array(8), [2, 4]),
    new ort.Tensor("int64", new BigInt64Array(2), [2]),
    new ort.Tensor("float32", new Float32Array(2), [2]),
    new ort.Tensor("int64", BigInt64Array.from([10n, 10n]), [2]),
  ];
  it("accepts outputs that fit and refuses a wrong dtype, shape or N", () => {
    expect(() => checkOutputs(good(), layout)).not.toThrow();
    const wrongN = good();
    wrongN[2] = new ort.Tensor("float32", new Float32Array(3), [3]);
    expect(() => checkOutputs(wrongN, layout)).toThrow(/output 2 \(`value.4`\).*expected scores float32 \[N\] with N = 2, found float32 \[3\]/);
    const wrongType = good();
    wrongType[1] = new ort.Tensor("int32", new Int32Array(2), [2]);
    expect(() => checkOutputs(wrongType, layout)).toThrow(ModelContractError);
    expect(() => checkOutputs(good().slice(0, 3), layout)).toThrow(/found nothing/);
  });
});

describe("loadModel on hand-made ONNX graphs", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "pagewise-contract-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const F = DataType.FLOAT;
  const I = DataType.INT64;
  const folder = async (name: string, graph: Uint8Array, manifest: Record<string, unknown> = {}) =>
    readModelFolder(await writeModelFolder(path.join(dir, name), graph, { id: name, name, kind: "untrained", ...manifest }));

  /**
   * A graph with the Detectron2 output signature whose detections are constants: two boxes in input
   * pixels (image_size from the input's shape) and, with `masks`, a 28x28 mask per box.
   */
  function constantDetector(opts: { inputShape?: (number | string)[]; masks?: boolean; freeBoxes?: boolean } = {}) {
    const g = new GraphBuilder();
    // `freeBoxes`: NonZero's output size is data-dependent, so the metadata says [1, ?], and the run gives [1,3].
    const boxes = opts.freeBoxes
      ? g.op("Cast", [g.op("NonZero", [g.const([1, 1, 1], I, [3])])], { to: F })
      : g.op("Identity", [g.const([10, 20, 110, 220, 0, 0, 50, 50], F, [2, 4])]);
    const named = {
      boxes: g.name(boxes, "pred_boxes"),
      classes: g.name(g.op("Identity", [g.const([3, 7], I, [2])]), "pred_classes"),
      scores: g.name(g.op("Identity", [g.const([0.9, 0.7], F, [2])]), "scores"),
      size: g.name(g.op("Slice", [g.op("Shape", ["image"]), g.const([1]), g.const([3]), g.const([0])]), "image_size"),
      masks: "",
    };
    if (opts.masks) {
      const m = Array.from({ length: 2 * 28 * 28 }, (_, k) => (k % 28 < 14 ? 1 : 0));
      named.masks = g.name(g.op("Identity", [g.const(m, F, [2, 1, 28, 28])]), "pred_masks");
    }
    const shape = (s: (number | string)[]) => (opts.freeBoxes ? [] : s);
    const outputs: ValueSpec[] = [
      { name: named.boxes, dataType: F, shape: shape(["N", 4]) },
      { name: named.classes, dataType: I, shape: shape(["N"]) },
      ...(opts.masks ? [{ name: named.masks, dataType: F, shape: shape(["N", 1, 28, 28]) } as ValueSpec] : []),
      { name: named.scores, dataType: F, shape: shape(["N"]) },
      { name: named.size, dataType: I, shape: shape([2]) },
    ];
    return encodeModel({
      name: "constant-detector",
      producer: "pagewise-tests",
      opset: 17,
      nodes: g.nodes,
      initializers: g.initializers,
      inputs: [{ name: "image", dataType: F, shape: opts.inputShape ?? [3, "height", "width"] }],
      outputs,
    });
  }

  it("refuses a YOLO-style graph at load, saying what it found", async () => {
    const g = new GraphBuilder();
    g.name(g.op("Identity", ["images"]), "output0");
    const yolo = encodeModel({
      name: "yolo-like",
      producer: "pagewise-tests",
      opset: 17,
      nodes: g.nodes,
      initializers: g.initializers,
      inputs: [{ name: "images", dataType: F, shape: [1, 3, 640, 640] }],
      outputs: [{ name: "output0", dataType: F, shape: [1, 3, 640, 640] }],
    });
    const load = loadModel(await folder("yolo", yolo));
    await expect(load).rejects.toThrow(ModelContractError);
    await expect(load).rejects.toThrow(/expected 1 input of float32 \[3,H,W\].*found 1 input `images` float32 \[1,3,640,640\]/);
  });

  it("refuses a file whose sha256 is not the manifest's, before loading it", async () => {
    const f = await folder("bad-hash", constantDetector(), { sha256: "0".repeat(64) });
    await expect(loadModel(f)).rejects.toThrow(/has sha256 [0-9a-f]{64}, but model.json expects 0{64}/);
  });

  it("runs a graph that fits, decoding by position, with masks, and honours a static input size", async () => {
    const model = await loadModel(await folder("masks-static", constantDetector({ masks: true, inputShape: [3, 100, 80] })));
    try {
      expect(model.contract).toMatchObject({ masks: 2, staticInput: { width: 80, height: 100 } });
      expect(model.inputSizeFor(1275, 1650)).toEqual({ width: 80, height: 100 });
      const before = performance.now();
      const { detections, inferMs } = await model.run(new Float32Array(3 * 100 * 80), 80, 100, { width: 160, height: 300 });
      const outside = performance.now() - before;
      // The time of session.run itself: measured, and part of the call that contains it.
      expect(inferMs).toBeGreaterThan(0);
      expect(inferMs).toBeLessThanOrEqual(outside);
      expect(detections.map((d) => [d.label, d.box])).toEqual([
        ["Table", [20, 60, 160, 300]], // 110 and 220 are clipped to the image
        ["class_7", [0, 0, 100, 150]],
      ]);
      // Left half of each mask is set: the outline spans the left half of the (clipped) box.
      expect(Math.max(...detections[1]!.polygon!.map(([x]) => x))).toBeCloseTo(50, 5);
      await expect(model.run(new Float32Array(3 * 100 * 100), 100, 100, { width: 100, height: 100 })).rejects.toThrow(/takes 80x100 input only/);
    } finally {
      await model.release();
    }
  });

  it("follows the manifest's resize policy when the input size is free", async () => {
    const model = await loadModel(await folder("free", constantDetector()));
    try {
      expect(model.contract.staticInput).toBeNull();
      expect(model.inputSizeFor(1275, 1650)).toEqual({ width: 800, height: 1035 });
    } finally {
      await model.release();
    }
    const fixed = await loadModel(await folder("fixed-policy", constantDetector(), { resize: { type: "fixed", width: 640, height: 640 } }));
    expect(fixed.inputSizeFor(1275, 1650)).toEqual({ width: 640, height: 640 });
    await fixed.release();
    await expect(fixed.run(new Float32Array(3 * 4 * 4), 4, 4, { width: 4, height: 4 })).rejects.toThrow(/was released/);
  });

  it("checks outputs at run time, where the metadata left a size free", async () => {
    const model = await loadModel(await folder("free-boxes", constantDetector({ freeBoxes: true })));
    try {
      const run = model.run(new Float32Array(3 * 8 * 8), 8, 8, { width: 8, height: 8 });
      await expect(run).rejects.toThrow(ModelRunError);
      await expect(run).rejects.toThrow(/output 0 \(`pred_boxes`\) does not fit.*expected boxes float32 \[N,4\], found float32 \[1,3\]/);
    } finally {
      await model.release();
    }
  });

  it("rejects with ModelRunError when the graph raises on a page, and keeps serving other pages", async () => {
    const model = await loadModel(await folder("throws-on-blank", buildThrowsOnBlankModel()));
    try {
      const [w, h] = [64, 64];
      const white = new Float32Array(3 * w * h).fill(255);
      const page = new Float32Array(3 * w * h).fill(255);
      for (let y = 20; y < 40; y++) for (let x = 10; x < 50; x++) for (let c = 0; c < 3; c++) page[c * w * h + y * w + x] = 0;
      // Queued together: runs never overlap, and a failure does not break the queue.
      const results = await Promise.allSettled([model.run(white, w, h, { width: w, height: h }), model.run(page, w, h, { width: w, height: h })]);
      expect(results[0]!.status).toBe("rejected");
      const reason = (results[0] as PromiseRejectedResult).reason as Error;
      expect(reason).toBeInstanceOf(ModelRunError);
      expect(reason.message.length).toBeGreaterThan(0);
      expect(results[1]!.status).toBe("fulfilled");
    } finally {
      await model.release();
    }
  });
});

describe("session tuning", () => {
  it("turns onnxruntime's arena off only where malloc hands big blocks back", () => {
    expect(mallocReturnsBigBlocks({ GLIBC_TUNABLES: WORKER_GLIBC_TUNABLES })).toBe(true);
    expect(mallocReturnsBigBlocks({ MALLOC_MMAP_THRESHOLD_: "1048576" })).toBe(true);
    expect(mallocReturnsBigBlocks({})).toBe(false);
    expect(mallocReturnsBigBlocks({ GLIBC_TUNABLES: "glibc.malloc.hugetlb=1" })).toBe(false);
    expect(mallocReturnsBigBlocks({ GLIBC_TUNABLES: "glibc.malloc.mmap_threshold=268435456" })).toBe(false);
  });

  it("the arena default follows the environment the process was started with", () => {
    // A fresh process each: DEFAULT_TUNING is computed once, from that process's own environment.
    const arenaIn = (extra: Record<string, string>) => {
      const env = { ...process.env, ...extra };
      if (!extra.GLIBC_TUNABLES) delete env.GLIBC_TUNABLES;
      delete env.MALLOC_MMAP_THRESHOLD_;
      const out = execFileSync(
        process.execPath,
        ["--import", "tsx", "-e", 'import("./worker/model/session.ts").then((m) => console.log(JSON.stringify(m.sessionOptions(m.DEFAULT_TUNING).enableCpuMemArena)))'],
        { env, encoding: "utf8" },
      );
      return JSON.parse(out.trim().split("\n").at(-1)!) as boolean;
    };
    expect(arenaIn({ GLIBC_TUNABLES: WORKER_GLIBC_TUNABLES })).toBe(false);
    expect(arenaIn({})).toBe(true);
  });

  it("lays given options over the defaults, ignoring undefined ones", () => {
    expect(effectiveTuning({ intraOpNumThreads: undefined, graphOptimizationLevel: "basic" })).toEqual({ ...DEFAULT_TUNING, graphOptimizationLevel: "basic" });
  });
});
