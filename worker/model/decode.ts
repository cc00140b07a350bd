import type { Tensor } from "onnxruntime-node";
import type { ContractLayout } from "./contract";

export type Detection = {
  classIndex: number;
  label: string;
  score: number;
  /** x1, y1, x2, y2 in pixels of the original (rendered) image. */
  box: [number, number, number, number];
  /** Mask outline in the same pixels, for Mask R-CNN exports; null when the mask is empty. */
  polygon?: [number, number][] | null;
};

export type Size = { width: number; height: number };

export type DecodeOptions = {
  labels: readonly string[];
  scoreThreshold: number;
  /** The image the boxes are wanted in. */
  original: Size;
  /** The size the page was fed to the model at; used when the graph's image_size output is unusable. */
  input: Size;
};

/**
 * Detectron2's detector_postprocess on the raw outputs (in session order): boxes from model-input
 * pixels to the original image (x * origW / image_size[1], y * origH / image_size[0]), clipped to it,
 * empty boxes (x2 <= x1 or y2 <= y1) dropped; then the manifest's score threshold. Masks are pasted
 * into the clipped box, as Detectron2 does, and outlined. Output order is the model's (by score).
 */
export function decodeDetections(outputs: readonly Tensor[], layout: ContractLayout, opts: DecodeOptions): Detection[] {
  const boxes = outputs[layout.boxes]!.data as Float32Array;
  const classes = outputs[layout.classes]!.data as BigInt64Array;
  const scores = outputs[layout.scores]!.data as Float32Array;
  const size = outputs[layout.imageSize]!.data as BigInt64Array;
  const maskTensor = layout.masks === null ? null : outputs[layout.masks]!;
  const n = scores.length;
  if (boxes.length !== n * 4 || classes.length !== n) {
    throw new Error(`Inconsistent model outputs: ${boxes.length / 4} boxes, ${classes.length} classes, ${n} scores`);
  }

  const inputH = Number(size[0]) > 0 ? Number(size[0]) : opts.input.height;
  const inputW = Number(size[1]) > 0 ? Number(size[1]) : opts.input.width;
  const { width, height } = opts.original;
  const sx = width / inputW;
  const sy = height / inputH;
  const clip = (v: number, max: number) => Math.min(Math.max(v, 0), max);
  const maskSide = maskTensor ? maskTensor.dims[3]! : 0;
  const masks = maskTensor ? (maskTensor.data as Float32Array) : null;

  const out: Detection[] = [];
  for (let i = 0; i < n; i++) {
    const score = scores[i]!;
    if (!(score >= opts.scoreThreshold)) continue;
    const x1 = clip(boxes[i * 4]! * sx, width);
    const y1 = clip(boxes[i * 4 + 1]! * sy, height);
    const x2 = clip(boxes[i * 4 + 2]! * sx, width);
    const y2 = clip(boxes[i * 4 + 3]! * sy, height);
    if (!(x2 > x1 && y2 > y1)) continue;
    const classIndex = Number(classes[i]);
    const detection: Detection = {
      classIndex,
      label: opts.labels[classIndex] ?? `class_${classIndex}`,
      score,
      box: [x1, y1, x2, y2],
    };
    if (masks) {
      const cells = maskSide * maskSide;
      detection.polygon = maskPolygon(masks.subarray(i * cells, (i + 1) * cells), maskSide, detection.box);
    }
    out.push(detection);
  }
  return out;
}

/**
 * Outline of a box-relative S x S mask probability map, in image pixels: the 0.5 iso-line of the map
 * (marching squares with linear interpolation, cell values at cell centres, zero outside, which is
 * what Detectron2's bilinear paste + `>= 0.5` gives) around the largest 4-connected component, outer
 * boundary only. Null when no cell reaches 0.5.
 */
export function maskPolygon(mask: Float32Array, side: number, box: readonly [number, number, number, number]): [number, number][] | null {
  const keep = largestComponent(mask, side);
  if (!keep) return null;
  // Padded by one cell of zeros so every contour closes; (r, c) in the padded grid is cell (r-1, c-1).
  const P = side + 2;
  const v = new Float32Array(P * P);
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      const k = r * side + c;
      // Other components are dropped; below-threshold cells keep their value for the interpolation.
      v[(r + 1) * P + c + 1] = keep[k] || !(mask[k]! >= 0.5) ? mask[k]! : 0;
    }
  }
  const inside = (r: number, c: number) => v[r * P + c]! >= 0.5;

  // Crossing points live on grid edges: key 2*(r*P+c) for the edge (r,c)-(r,c+1), +1 for (r,c)-(r+1,c).
  const hEdge = (r: number, c: number) => 2 * (r * P + c);
  const vEdge = (r: number, c: number) => 2 * (r * P + c) + 1;
  const point = (key: number): [number, number] => {
    const base = key >> 1;
    const r = Math.floor(base / P);
    const c = base % P;
    const [r2, c2] = key & 1 ? [r + 1, c] : [r, c + 1];
    const a = v[r * P + c]!;
    const b = v[r2 * P + c2]!;
    const t = a === b ? 0.5 : (0.5 - a) / (b - a);
    // Cell centres sit at (index + 0.5) box cells; the padded index is one more.
    return [c - 0.5 + t * (c2 - c), r - 0.5 + t * (r2 - r)];
  };

  // Each cell's corners in clockwise order (image axes) and the edge between each corner and the next.
  // Within a cell, a run of inside corners is entered at one crossing and left at another; the segment
  // from the leaving crossing to the entering one keeps the inside on the same side everywhere, so the
  // segments chain into closed loops. Saddles keep diagonal corners apart (4-connectivity).
  const next = new Map<number, number>();
  for (let r = 0; r < P - 1; r++) {
    for (let c = 0; c < P - 1; c++) {
      const ins = [inside(r, c), inside(r, c + 1), inside(r + 1, c + 1), inside(r + 1, c)];
      const edges = [hEdge(r, c), vEdge(r, c + 1), hEdge(r + 1, c), vEdge(r, c)];
      if (ins.every((x) => x) || ins.every((x) => !x)) continue;
      for (let k = 0; k < 4; k++) {
        // Edge k runs from corner k to corner k+1: inside -> outside leaves a run, outside -> inside enters one.
        if (ins[k] && !ins[(k + 1) % 4]) {
          let j = k;
          while (ins[j]) j = (j + 3) % 4; // back to the outside corner before this run
          next.set(edges[k]!, edges[j]!);
        }
      }
    }
  }

  let best: [number, number][] = [];
  let bestArea = 0;
  const seen = new Set<number>();
  for (const start of next.keys()) {
    if (seen.has(start)) continue;
    const loop: [number, number][] = [];
    for (let key: number | undefined = start; key !== undefined && !seen.has(key); key = next.get(key)) {
      seen.add(key);
      loop.push(point(key));
    }
    const area = Math.abs(loop.reduce((sum, [x, y], i) => {
      const [x2, y2] = loop[(i + 1) % loop.length]!;
      return sum + x * y2 - x2 * y;
    }, 0)) / 2;
    if (area > bestArea) [best, bestArea] = [loop, area];
  }
  if (best.length < 3) return null;

  const [x1, y1, x2, y2] = box;
  const sx = (x2 - x1) / side;
  const sy = (y2 - y1) / side;
  const round = (x: number) => Math.round(x * 10) / 10;
  const pts = best.map(([x, y]): [number, number] => [round(x1 + x * sx), round(y1 + y * sy)]);
  return dropCollinear(pts);
}

/** 4-connected components of `mask >= 0.5`; returns the cells of the largest (first found on a tie). */
function largestComponent(mask: Float32Array, side: number): Uint8Array | null {
  const label = new Int32Array(side * side).fill(-1);
  const stack: number[] = [];
  let best = -1;
  let bestSize = 0;
  let count = 0;
  for (let s = 0; s < side * side; s++) {
    if (label[s] !== -1 || !(mask[s]! >= 0.5)) continue;
    let size = 0;
    label[s] = count;
    stack.push(s);
    while (stack.length) {
      const k = stack.pop()!;
      size++;
      const r = Math.floor(k / side);
      const c = k % side;
      for (const [rr, cc] of [[r - 1, c], [r + 1, c], [r, c - 1], [r, c + 1]] as const) {
        const j = rr * side + cc;
        if (rr < 0 || cc < 0 || rr >= side || cc >= side || label[j] !== -1 || !(mask[j]! >= 0.5)) continue;
        label[j] = count;
        stack.push(j);
      }
    }
    if (size > bestSize) [best, bestSize] = [count, size];
    count++;
  }
  if (best < 0) return null;
  return Uint8Array.from(label, (l) => (l === best ? 1 : 0));
}

/** Drops repeated points and points on a straight line between their neighbours. */
function dropCollinear(pts: [number, number][]): [number, number][] {
  let out = pts.filter(([x, y], i) => {
    const [px, py] = pts[(i + pts.length - 1) % pts.length]!;
    return x !== px || y !== py;
  });
  out = out.filter(([x, y], i) => {
    const [px, py] = out[(i + out.length - 1) % out.length]!;
    const [nx, ny] = out[(i + 1) % out.length]!;
    return Math.abs((x - px) * (ny - y) - (y - py) * (nx - x)) > 1e-9;
  });
  return out.length >= 3 ? out : pts;
}
