import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { iou } from "../../lib/iou";
import { readModelFolder } from "./manifest";
import { PILLOW_SAMPLE, preprocessSamplePage, sha256 } from "./sample-page-reference";
import { loadModel, type LoadedModel } from "./session";
import { missingSharedFiles, SHARED_MODELS_DIR, SHARED_R50_ONNX } from "./test-models";

/** ../shared/models holds a genuine Detectron2 R50-FPN export with untrained weights (see its README). */
const SHARED = SHARED_MODELS_DIR;
const ONNX = SHARED_R50_ONNX;
// Absent on a laptop; under CI=true the test setup fails instead (scripts/test/require-shared-models.ts).
const present = missingSharedFiles().length === 0;

const referenceSchema = z.object({
  pred_boxes: z.array(z.tuple([z.number(), z.number(), z.number(), z.number()])),
  pred_classes: z.array(z.number()),
  scores: z.array(z.number()),
  image_size: z.tuple([z.number(), z.number()]),
});

describe.skipIf(!present)("the shared Detectron2 R50-FPN export", () => {
  let model: LoadedModel;
  let dir: string;
  const input = () => Float32Array.from(readFileSync(path.join(SHARED, "sample-page-input-3x1035x800-bgr-u8.bin")));

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "pagewise-shared-"));
    await writeFile(
      path.join(dir, "model.json"),
      JSON.stringify({
        id: "publaynet5-untrained",
        name: "Detectron2 R50-FPN, untrained weights (contract tests only)",
        kind: "untrained",
        file: path.relative(dir, ONNX),
        labels: ["Text", "Title", "List", "Table", "Figure"],
        scoreThreshold: 0.6,
        sha256: "feb007e86374abe751ab574042b653191d2a0e436d2e67c7a6f23aa14995fff8",
      }),
    );
    model = await loadModel(await readModelFolder(dir));
  }, 180_000);
  afterAll(async () => {
    await model?.release();
    await rm(dir, { recursive: true, force: true });
  });

  it("is accepted by the contract check, outputs read by position", () => {
    console.info(`shared export: ${model.contract.summary}`);
    expect(model.contract).toMatchObject({
      inputName: "image",
      outputNames: ["pred_boxes", "pred_classes", "scores", "image_size"],
      boxes: 0,
      classes: 1,
      masks: null,
      scores: 2,
      imageSize: 3,
      staticInput: null,
    });
    expect(model.contract.summary).toMatch(/^input `image` float32 \[3,\w+,\w+\]; outputs `pred_boxes` float32 \[\w+,(4|\w+)\], `pred_classes` int64 \[\w+\], `scores` float32 \[\w+\], `image_size` int64 \[2\]$/);
    expect(model.inputSizeFor(1275, 1650)).toEqual({ width: 800, height: 1035 });
  });

  it("decodes the sample input exactly as PyTorch Detectron2 did (100 boxes, IoU >= 0.99, same classes)", async () => {
    const reference = referenceSchema.parse(JSON.parse(readFileSync(path.join(SHARED, "sample-page-torch-reference.json"), "utf8")));
    expect(reference.image_size).toEqual([1035, 800]);
    expect(reference.pred_boxes).toHaveLength(100);
    const { detections } = await model.run(input(), 800, 1035, { width: 800, height: 1035 });
    expect(detections).toHaveLength(100);
    // Matched one to one as sets: near-tied scores may come out in another order.
    const unused = new Set(detections.keys());
    let worstIou = 1;
    let worstScore = 0;
    reference.pred_boxes.forEach((ref, k) => {
      let best = -1;
      let bestIou = 0;
      for (const j of unused) {
        const d = detections[j]!;
        if (d.classIndex !== reference.pred_classes[k]) continue;
        const overlap = iou(d.box, ref);
        if (overlap > bestIou) [best, bestIou] = [j, overlap];
      }
      expect(bestIou, `reference box ${k} (class ${reference.pred_classes[k]})`).toBeGreaterThanOrEqual(0.99);
      unused.delete(best);
      worstIou = Math.min(worstIou, bestIou);
      worstScore = Math.max(worstScore, Math.abs(detections[best]!.score - reference.scores[k]!));
    });
    console.info(`parity with PyTorch: 100/100 boxes matched, worst IoU ${worstIou.toFixed(5)}, largest score difference ${worstScore.toExponential(2)}`);
    const scores = detections.map((d) => d.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it("maps boxes to the original page size like detector_postprocess", async () => {
    const { detections } = await model.run(input(), 800, 1035, { width: 1275, height: 1650 });
    const { detections: raw } = await model.run(input(), 800, 1035, { width: 800, height: 1035 });
    expect(detections[0]!.box[0]).toBeCloseTo(Math.min(raw[0]!.box[0] * (1275 / 800), 1275), 2);
    expect(detections[0]!.box[3]).toBeCloseTo(Math.min(raw[0]!.box[3] * (1650 / 1035), 1650), 2);
    for (const d of detections) expect(d.box[2]).toBeLessThanOrEqual(1275);
  });

  it("runs the sample page end to end: our pre-processing (Pillow's bytes) into the export, no detections", async () => {
    const { sourceSha256, original, size, input } = await preprocessSamplePage();
    expect(sourceSha256).toBe(PILLOW_SAMPLE.sourceSha256);
    // The graph sees what Detectron2's DefaultPredictor would have given it, byte for byte.
    expect(sha256(Uint8Array.from(input))).toBe(PILLOW_SAMPLE.sha256);
    expect(model.inputSizeFor(original.width, original.height)).toEqual(size);
    const { detections } = await model.run(Float32Array.from(input), size.width, size.height, original);
    // Untrained weights: on this synthetic page the export finds nothing above 0.6 (../shared/models/README.md).
    expect(detections).toEqual([]);
  });

  it("returns zero detections for an all-white page, without an error", async () => {
    const { detections } = await model.run(new Float32Array(3 * 1035 * 800).fill(255), 800, 1035, { width: 800, height: 1035 });
    expect(detections).toEqual([]);
  });
});
