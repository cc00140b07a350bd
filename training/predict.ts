/**
 * Runs a model folder on page images through the worker's own code (loadModel: sha256, contract check,
 * onnxruntime session, decodeDetections), fed as the worker feeds it: PIL-bilinear resize to the
 * model's input size (inputSizeFor), RGBA -> CHW in the manifest's channel order. Writes COCO-style
 * detections for training/evaluate.py, so the heuristic baseline and our model are scored by the same
 * code on the same images.
 *
 *   tsx training/predict.ts --model models/baseline --data DIR --out preds.json [--threshold 0]
 *
 * DIR holds annotations.json (COCO) and images/<file_name>; the images are read as binary PPM (P6),
 * which the Python side writes next to each PNG (evaluate.py --ppm), so no image decoder is needed here.
 * --threshold overrides the manifest's scoreThreshold (0 keeps every detection, as mAP wants).
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { readModelFolder } from "../worker/model/manifest";
import { resizeBilinear, rgbaToChw } from "../worker/model/preprocess";
import { loadModel } from "../worker/model/session";

export type Ppm = { width: number; height: number; rgba: Uint8ClampedArray };

/** Binary PPM (P6, maxval 255) to RGBA. */
export function readPpm(bytes: Buffer): Ppm {
  const header: string[] = [];
  let i = 0;
  while (header.length < 4) {
    while (/\s/.test(String.fromCharCode(bytes[i]!))) i++;
    if (bytes[i] === 0x23) {
      while (bytes[i] !== 0x0a) i++;
      continue;
    }
    let token = "";
    while (i < bytes.length && !/\s/.test(String.fromCharCode(bytes[i]!))) token += String.fromCharCode(bytes[i++]!);
    header.push(token);
  }
  i++; // the single whitespace after maxval
  const [magic, w, h, max] = header;
  if (magic !== "P6" || max !== "255") throw new Error(`not a binary 8-bit PPM (${header.join(" ")})`);
  const width = Number(w);
  const height = Number(h);
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let p = 0, s = i; p < width * height; p++, s += 3) {
    rgba[p * 4] = bytes[s]!;
    rgba[p * 4 + 1] = bytes[s + 1]!;
    rgba[p * 4 + 2] = bytes[s + 2]!;
    rgba[p * 4 + 3] = 255;
  }
  return { width, height, rgba };
}

type CocoImage = { id: number; file_name: string; width: number; height: number };

export async function predict(modelDir: string, dataDir: string, threshold: number | null) {
  const folder = await readModelFolder(modelDir);
  if (threshold !== null) folder.manifest.scoreThreshold = threshold;
  const model = await loadModel(folder, { intraOpNumThreads: 1 });
  const coco = JSON.parse(await readFile(path.join(dataDir, "annotations.json"), "utf8")) as { images: CocoImage[] };
  const detections: { image_id: number; category_id: number; bbox: number[]; score: number }[] = [];
  let inferMs = 0;
  try {
    for (const image of coco.images) {
      const ppm = readPpm(await readFile(path.join(dataDir, "images", image.file_name.replace(/\.\w+$/, ".ppm"))));
      const size = model.inputSizeFor(ppm.width, ppm.height);
      const pixels = size.width === ppm.width && size.height === ppm.height ? ppm.rgba : resizeBilinear(ppm.rgba, ppm.width, ppm.height, size.width, size.height);
      const input = rgbaToChw(pixels, size.width, size.height, folder.manifest.inputFormat);
      const result = await model.run(input, size.width, size.height, { width: ppm.width, height: ppm.height });
      inferMs += result.inferMs;
      for (const d of result.detections) {
        const [x1, y1, x2, y2] = d.box;
        detections.push({ image_id: image.id, category_id: d.classIndex + 1, bbox: [x1, y1, x2 - x1, y2 - y1], score: d.score });
      }
    }
  } finally {
    await model.release();
  }
  return { model: { id: folder.manifest.id, name: folder.manifest.name, kind: folder.manifest.kind }, pages: coco.images.length, inferMs, detections };
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith("predict.ts")) {
  const { values } = parseArgs({ options: { model: { type: "string" }, data: { type: "string" }, out: { type: "string" }, threshold: { type: "string" } } });
  if (!values.model || !values.data || !values.out) throw new Error("usage: tsx training/predict.ts --model DIR --data DIR --out FILE [--threshold 0]");
  const result = await predict(values.model, values.data, values.threshold === undefined ? 0 : Number(values.threshold));
  await writeFile(values.out, JSON.stringify(result));
  console.log(`${result.model.id}: ${result.detections.length} detections on ${result.pages} pages, ${Math.round(result.inferMs / result.pages)} ms/page`);
}
