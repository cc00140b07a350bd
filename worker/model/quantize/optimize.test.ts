import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../../../lib/logger";
import { buildDocument } from "../../../scripts/fixtures/test-pdf";
import { testContext, uploadPdf, waitForDocument } from "../../../scripts/test/context";
import { startWorker } from "../../start";
import { readModelFolder, type Quantization } from "../manifest";
import { tuningForModel } from "../session";
import { PPOCR_DET_ONNX, SHARED_R50_ONNX, sharedModelFolder } from "../test-models";
import { detectron2Adapter, textDetectorAdapter } from "./adapters";
import { decodeModel, nodesOf } from "./graph";
import { optimizedOpCounts } from "./op-count";
import { installFolder, optimize } from "./optimize";

const log = (line: string) => console.log(`[optimize.test] ${line}`);
const dirs: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "pagewise-quant-"));
  dirs.push(dir);
  return dir;
};
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("model:optimize on the trained PP-OCRv4 text detector", () => {
  it("static int8: every Conv runs as QLinearConv in onnxruntime, and the gate passes it (F1 >= 0.95 against fp32 on held-out pages)", async () => {
    const result = await optimize({ sourceOnnx: PPOCR_DET_ONNX, adapter: textDetectorAdapter(), method: "static", calibrate: [], holdout: [], calibrationPages: 3, holdoutPages: 2, log });
    log(JSON.stringify(result.fidelity));
    expect(result.fidelity.referenceBoxes).toBeGreaterThanOrEqual(20);
    expect(result.fidelity.f1At50).toBeGreaterThanOrEqual(0.95);
    expect(result.quantization.gate).toMatchObject({ passed: true });

    const convs = nodesOf(decodeModel(await readFile(PPOCR_DET_ONNX))).filter((n) => n.opType === "Conv").length;
    // Under the default level and under the one the worker runs static int8 with (channels-last QLinearConv).
    const ops = await optimizedOpCounts(result.graph);
    log(JSON.stringify(ops));
    expect(ops.Conv ?? 0).toBe(0);
    expect(ops.QLinearConv).toBe(convs);
    const workerOps = await optimizedOpCounts(result.graph, tuningForModel({ quantization: { method: "static" } as Quantization }));
    log(JSON.stringify(workerOps));
    expect(workerOps.Conv ?? 0).toBe(0);
    expect((workerOps.QLinearConv ?? 0) + (workerOps["com.microsoft.QLinearConv"] ?? 0)).toBe(convs);

    const out = path.join(await tempDir(), "ppocr-int8");
    const installed = await installFolder({ result, source: { onnxPath: PPOCR_DET_ONNX, id: "ppocr-v4-det", name: "PP-OCRv4 det" }, outDir: out, acceptLowFidelity: false });
    expect(installed.installed).toBe(true);
    expect(existsSync(path.join(out, "model.onnx"))).toBe(true);
  }, 600_000);
});

const ctx = testContext({ QUEUE_SCHEMA: "q_quantize", WORKER_CONCURRENCY: "2" });
afterAll(() => ctx.close());

describe.skipIf(!existsSync(SHARED_R50_ONNX))("model:optimize on the shared untrained R50-FPN", () => {
  it("the gate refuses it; accepted below the gate, the int8 folder loads in the worker and processes a document through the queue", async () => {
    const source = await readModelFolder(await sharedModelFolder(await tempDir(), "quantization tests"));
    const started = performance.now();
    const result = await optimize({ sourceOnnx: source.onnxPath, adapter: detectron2Adapter(source.manifest, null), method: "static", calibrate: [], holdout: [], calibrationPages: 1, holdoutPages: 1, log });
    log(`optimize took ${Math.round((performance.now() - started) / 1000)} s; ${JSON.stringify(result.fidelity)}`);
    expect(result.quantization.gate.passed).toBe(false);

    const out = path.join(await tempDir(), "r50-int8");
    const refused = await installFolder({ result, source, outDir: out, acceptLowFidelity: false });
    expect(refused.installed).toBe(false);
    expect(refused.reason).toMatch(/Not installed: (F1 at IoU 0.5 is .* below 0.95|fp32 found \d+ boxes)/);
    expect(existsSync(out)).toBe(false);

    const accepted = await installFolder({ result, source, outDir: out, acceptLowFidelity: true });
    expect(accepted.reason).toMatch(/BELOW THE GATE/);
    const folder = await readModelFolder(out);
    expect(folder.manifest).toMatchObject({
      id: "publaynet5-untrained-int8-static",
      kind: "untrained",
      quantization: { method: "static", source: { id: "publaynet5-untrained" }, gate: { passed: false, acceptedBelowGate: true }, calibration: { pages: 1 } },
    });
    expect(Object.keys(await optimizedOpCounts(folder.onnxPath))).not.toContain("Conv");

    await ctx.queue();
    const worker = await startWorker({ env: { ...ctx.env, MODEL_DIR: out }, logger: createLogger("test-worker") });
    try {
      const queued = await uploadPdf({ ...ctx, env: { ...ctx.env, MODEL_DIR: out } }, buildDocument(1), "one-page.pdf");
      const { doc, pages } = await waitForDocument(ctx, queued.id, 300_000);
      expect(doc).toMatchObject({ status: "done", modelId: "publaynet5-untrained-int8-static", modelKind: "untrained", pagesDone: 1 });
      expect(doc.modelName).toMatch(/int8 static, from publaynet5-untrained/);
      expect(pages[0]).toMatchObject({ status: "done" });
    } finally {
      await worker.stop();
    }
  }, 900_000);
});
