import type { Tensor } from "onnxruntime-node";
import type { ContractLayout } from "./contract";

export type Detection = {
  classIndex: number;
  label: string;
  score: number;
  /** x1, y1, x2, y2 in pixels of the original (rendered) image. */
  box: [number, number, number, number];
  /** Mask outline in the same pixels, for Mask R-CNN exports. */
  polygon?: [number, number][] | null;
};

const MASK_SIZE = 28;

/**
 * Detectron2's detector_postprocess: boxes from model-input pixels to the original image
 * (x * origW / inputW, y * origH / inputH), clipped, empty boxes dropped; then the score threshold.
 */
export function decodeDetections(
  outputs: readonly Tensor[],
  layout: ContractLayout,
  opts: { labels: readonly string[]; scoreThreshold: number; original: { width: number; height: number } },
): Detection[] {
  const boxes = outputs[layout.boxes]!.data as Float32Array;
  const classes = outputs[layout.classes]!.data as BigInt64Array;
  const scores = outputs[layout.scores]!.data as Float32Array;
  const size = outputs[layout.imageSize]!.data as BigInt64Array;
  const masks = layout.masks === null ? null : (outputs[layout.masks]!.data as Float32Array);
  const inputH = Number(size[0]);
  const inputW = Number(size[1]);
  const { width, height } = opts.original;
  const sx = width / inputW;
  const sy = height / inputH;
  const clip = (v: number, max: number) => Math.min(Math.max(v, 0), max);

  const out: Detection[] = [];
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i]!;
    if (score < opts.scoreThreshold) continue;
    const x1 = clip(boxes[i * 4]! * sx, width);
    const y1 = clip(boxes[i * 4 + 1]! * sy, height);
    const x2 = clip(boxes[i * 4 + 2]! * sx, width);
    const y2 = clip(boxes[i * 4 + 3]! * sy, height);
    if (x2 <= x1 || y2 <= y1) continue;
    const classIndex = Number(classes[i]);
    const detection: Detection = {
      classIndex,
      label: opts.labels[classIndex] ?? `class_${classIndex}`,
      score,
      box: [x1, y1, x2, y2],
    };
    if (masks) {
      const mask = masks.subarray(i * MASK_SIZE * MASK_SIZE, (i + 1) * MASK_SIZE * MASK_SIZE);
      detection.polygon = maskOutline(mask, [x1, y1, x2, y2]);
    }
    out.push(detection);
  }
  return out;
}

/**
 * Outline of a box-relative 28x28 mask (probability >= 0.5) in image pixels: for each mask row the
 * leftmost and rightmost set cells, walked down the left side and back up the right. A simple,
 * always-valid polygon; enough to draw the mask over the page.
 */
export function maskOutline(mask: Float32Array, box: [number, number, number, number]): [number, number][] | null {
  const [x1, y1, x2, y2] = box;
  const cw = (x2 - x1) / MASK_SIZE;
  const ch = (y2 - y1) / MASK_SIZE;
  const left: [number, number][] = [];
  const right: [number, number][] = [];
  for (let r = 0; r < MASK_SIZE; r++) {
    let lo = -1;
    let hi = -1;
    for (let c = 0; c < MASK_SIZE; c++) {
      if (mask[r * MASK_SIZE + c]! >= 0.5) {
        if (lo < 0) lo = c;
        hi = c;
      }
    }
    if (lo < 0) continue;
    const top = y1 + r * ch;
    left.push([x1 + lo * cw, top], [x1 + lo * cw, top + ch]);
    right.push([x1 + (hi + 1) * cw, top], [x1 + (hi + 1) * cw, top + ch]);
  }
  if (!left.length) return null;
  const round = ([x, y]: [number, number]): [number, number] => [Math.round(x * 10) / 10, Math.round(y * 10) / 10];
  return [...left, ...right.reverse()].map(round);
}
