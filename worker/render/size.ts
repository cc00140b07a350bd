/** How large a page is rendered: straight at the model's input size where possible. Pure functions. */
import type { ResizePolicy } from "../model/policy";
import { shortestEdgeSize } from "../model/preprocess";

export type RenderSize = {
  /** pdf.js viewport scale (pixels per point). */
  scale: number;
  /** Canvas size in pixels. */
  width: number;
  height: number;
  /** Size of the model input; differs from the canvas only for a fixed-size model (then stretched). */
  modelWidth: number;
  modelHeight: number;
  /** True when `maxPixels` made the canvas smaller than the policy asked for. */
  capped: boolean;
};

/**
 * `widthPt` x `heightPt` is the page as displayed (after rotation). Shortest-edge: the canvas is exactly
 * Detectron2's ResizeShortestEdge size, so the model sees the page without any resampling. Fixed: the page
 * is rendered at the aspect-preserving fit (shortest edge to the smaller side, longest edge at most the
 * larger one), then stretched to the fixed size. Never more than `maxPixels` canvas pixels.
 */
export function renderSize(widthPt: number, heightPt: number, resize: ResizePolicy, maxPixels: number): RenderSize {
  const fixed = resize.type === "fixed";
  const [shortest, longest] = fixed
    ? [Math.min(resize.width, resize.height), Math.max(resize.width, resize.height)]
    : [resize.shortestEdge, resize.maxSize];
  let scale = shortest / Math.min(widthPt, heightPt);
  if (Math.max(widthPt, heightPt) * scale > longest) scale = longest / Math.max(widthPt, heightPt);
  let { width, height } = shortestEdgeSize(widthPt, heightPt, shortest, longest);
  let capped = false;
  if (width * height > maxPixels) {
    capped = true;
    scale = Math.sqrt(maxPixels / (widthPt * heightPt)); // then floor: width * height <= maxPixels
    width = Math.floor(widthPt * scale);
    height = Math.floor(heightPt * scale);
  }
  width = Math.max(1, width);
  height = Math.max(1, height);
  return {
    scale,
    width,
    height,
    modelWidth: fixed ? resize.width : width,
    modelHeight: fixed ? resize.height : height,
    capped,
  };
}

/**
 * The viewer's image: `width` pixels wide, so a page stays sharp at 100 % on a high-density screen and
 * when zoomed, and never more than `maxPixels` (aspect kept).
 */
export function displaySize(widthPt: number, heightPt: number, width: number, maxPixels: number): { scale: number; width: number; height: number } {
  let scale = width / widthPt;
  if (widthPt * scale * heightPt * scale > maxPixels) scale = Math.sqrt(maxPixels / (widthPt * heightPt));
  return { scale, width: Math.max(1, Math.floor(widthPt * scale)), height: Math.max(1, Math.floor(heightPt * scale)) };
}
