/** Image preparation for Detectron2 graphs: sizes, resampling and tensor layout. Pure functions. */

export type Size = { width: number; height: number };

/** Detectron2's ResizeShortestEdge (as in DefaultPredictor): the size a page is fed to the model at. */
export function shortestEdgeSize(width: number, height: number, shortestEdge: number, maxSize: number): Size {
  let scale = shortestEdge / Math.min(width, height);
  if (Math.max(width, height) * scale > maxSize) scale = maxSize / Math.max(width, height);
  return { width: Math.floor(width * scale + 0.5), height: Math.floor(height * scale + 0.5) };
}

/** RGBA pixels to CHW bytes (0..255), in the channel order the graph wants; the session widens them to float32. */
export function rgbaToChw(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number, format: "BGR" | "RGB"): Uint8Array {
  const plane = width * height;
  const out = new Uint8Array(3 * plane);
  const [c0, c2] = format === "BGR" ? [2, 0] : [0, 2];
  for (let i = 0, p = 0; p < plane; p++, i += 4) {
    out[p] = rgba[i + c0]!;
    out[plane + p] = rgba[i + 1]!;
    out[2 * plane + p] = rgba[i + c2]!;
  }
  return out;
}

type Taps = { start: Int32Array; count: Int32Array; weights: Int32Array; stride: number };

const PRECISION_BITS = 22;

/**
 * PIL's bilinear resampling (a triangle filter whose support grows with the downscale factor, i.e. it
 * antialiases), with the same fixed-point rounding, so Detectron2's PIL-based preprocessing is reproduced
 * to within a gray level.
 */
function taps(inSize: number, outSize: number): Taps {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 1 * filterScale;
  const stride = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * stride);
  const w = new Float64Array(stride);
  for (let x = 0; x < outSize; x++) {
    const center = (x + 0.5) * scale;
    const ss = 1 / filterScale;
    let xmin = Math.floor(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.floor(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let total = 0;
    for (let k = 0; k < xmax; k++) {
      const t = Math.abs((k + xmin - center + 0.5) * ss);
      const v = t < 1 ? 1 - t : 0;
      w[k] = v;
      total += v;
    }
    for (let k = 0; k < xmax; k++) {
      const norm = total ? w[k]! / total : 0;
      weights[x * stride + k] = Math.trunc(norm < 0 ? norm * (1 << PRECISION_BITS) - 0.5 : norm * (1 << PRECISION_BITS) + 0.5);
    }
    start[x] = xmin;
    count[x] = xmax;
  }
  return { start, count, weights, stride };
}

const clip8 = (v: number) => {
  const r = v >> PRECISION_BITS;
  return r < 0 ? 0 : r > 255 ? 255 : r;
};

/** Resizes RGBA pixels (alpha carried along) with PIL-compatible bilinear filtering. */
export function resizeBilinear(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number, outW: number, outH: number): Uint8ClampedArray {
  const h = taps(width, outW);
  const v = taps(height, outH);
  const half = 1 << (PRECISION_BITS - 1);
  const tmp = new Uint8ClampedArray(outW * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < outW; x++) {
      const s = h.start[x]!;
      const n = h.count[x]!;
      const base = x * h.stride;
      for (let c = 0; c < 4; c++) {
        let acc = half;
        for (let k = 0; k < n; k++) acc += rgba[((y * width + s + k) << 2) + c]! * h.weights[base + k]!;
        tmp[((y * outW + x) << 2) + c] = clip8(acc);
      }
    }
  }
  const out = new Uint8ClampedArray(outW * outH * 4);
  for (let y = 0; y < outH; y++) {
    const s = v.start[y]!;
    const n = v.count[y]!;
    const base = y * v.stride;
    for (let x = 0; x < outW; x++) {
      for (let c = 0; c < 4; c++) {
        let acc = half;
        for (let k = 0; k < n; k++) acc += tmp[(((s + k) * outW + x) << 2) + c]! * v.weights[base + k]!;
        out[((y * outW + x) << 2) + c] = clip8(acc);
      }
    }
  }
  return out;
}
