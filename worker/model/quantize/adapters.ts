/**
 * How the optimizer feeds a graph and reads boxes back, per kind of network. Calibration and QDQ insertion
 * are generic over conv nets; only this part knows the model's input and output conventions.
 */
import * as ort from "onnxruntime-node";
import { checkContract } from "../contract";
import { decodeDetections } from "../decode";
import type { ModelManifest } from "../manifest";
import type { ScoredBox } from "../../../lib/match";
import type { ResizePolicy } from "../policy";
import type { RenderedPage } from "../../render/protocol";

export type Adapter = {
  kind: "detectron2" | "text-detector";
  labels: string[];
  /** How pages are rendered for this model (the render thread resizes and lays out the tensor). */
  render: { resize: ResizePolicy; inputFormat: "BGR" | "RGB" };
  feeds(session: ort.InferenceSession, page: RenderedPage): Record<string, ort.Tensor>;
  /** Boxes from one plain run of `session` (the graph's own outputs). */
  detect(session: ort.InferenceSession, page: RenderedPage): Promise<ScoredBox[]>;
};

/** The Detectron2 TracingAdapter contract (worker/model/contract.ts), decoded as the worker does. */
export function detectron2Adapter(manifest: ModelManifest, staticInput: { width: number; height: number } | null): Adapter {
  const feeds = (session: ort.InferenceSession, page: RenderedPage) => ({
    [session.inputNames[0]!]: new ort.Tensor("float32", Float32Array.from(page.modelInput), [3, page.modelHeight, page.modelWidth]),
  });
  return {
    kind: "detectron2",
    labels: manifest.labels,
    render: { resize: staticInput ? { type: "fixed", ...staticInput } : manifest.resize, inputFormat: manifest.inputFormat },
    feeds,
    async detect(session, page) {
      const contract = checkContract(session.inputMetadata, session.outputMetadata);
      const results = await session.run(feeds(session, page));
      const outputs = contract.outputNames.map((n) => results[n]!);
      const size = { width: page.modelWidth, height: page.modelHeight };
      const found = decodeDetections(outputs, contract, { labels: manifest.labels, scoreThreshold: manifest.scoreThreshold, original: size, input: size });
      for (const t of outputs) t.dispose();
      return found.map((d) => ({ box: d.box, classIndex: d.classIndex, score: d.score }));
    },
  };
}

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

/**
 * A DB-style text detector (PP-OCR det): input [1,3,H,W] normalised RGB with H and W multiples of 32,
 * output a [1,1,H,W] text probability map. Boxes: the map thresholded at 0.3, 4-connected components, kept
 * when their mean probability reaches 0.6 and both sides 3 px (PaddleOCR's DB post-processing defaults,
 * without its polygon unclip).
 */
export function textDetectorAdapter(size = { width: 736, height: 960 }): Adapter {
  const feeds = (session: ort.InferenceSession, page: RenderedPage) => {
    const plane = page.modelWidth * page.modelHeight;
    const x = new Float32Array(3 * plane);
    for (let c = 0; c < 3; c++) for (let p = 0; p < plane; p++) x[c * plane + p] = (page.modelInput[c * plane + p]! / 255 - MEAN[c]!) / STD[c]!;
    return { [session.inputNames[0]!]: new ort.Tensor("float32", x, [1, 3, page.modelHeight, page.modelWidth]) };
  };
  return {
    kind: "text-detector",
    labels: ["text"],
    render: { resize: { type: "fixed", ...size }, inputFormat: "RGB" },
    feeds,
    async detect(session, page) {
      const results = await session.run(feeds(session, page));
      const map = results[session.outputNames[0]!]!;
      const boxes = textBoxes(map.data as Float32Array, map.dims[3]!, map.dims[2]!);
      map.dispose();
      return boxes;
    },
  };
}

export function textBoxes(prob: Float32Array, width: number, height: number, threshold = 0.3, boxThreshold = 0.6, minSide = 3): ScoredBox[] {
  const label = new Int32Array(width * height);
  const stack: number[] = [];
  const boxes: ScoredBox[] = [];
  let next = 0;
  for (let start = 0; start < prob.length; start++) {
    if (label[start] || prob[start]! <= threshold) continue;
    next++;
    label[start] = next;
    stack.push(start);
    let [x1, y1, x2, y2, sum, n] = [width, height, 0, 0, 0, 0];
    while (stack.length) {
      const p = stack.pop()!;
      const x = p % width;
      const y = (p - x) / width;
      x1 = Math.min(x1, x);
      x2 = Math.max(x2, x);
      y1 = Math.min(y1, y);
      y2 = Math.max(y2, y);
      sum += prob[p]!;
      n++;
      const visit = (q: number) => {
        if (!label[q] && prob[q]! > threshold) {
          label[q] = next;
          stack.push(q);
        }
      };
      if (x > 0) visit(p - 1);
      if (x < width - 1) visit(p + 1);
      if (y > 0) visit(p - width);
      if (y < height - 1) visit(p + width);
    }
    const score = sum / n;
    if (score >= boxThreshold && x2 - x1 + 1 >= minSide && y2 - y1 + 1 >= minSide) boxes.push({ box: [x1, y1, x2 + 1, y2 + 1], classIndex: 0, score });
  }
  return boxes;
}
