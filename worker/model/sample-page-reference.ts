/** Test support: the shared sample page, Pillow's resize of it (the reference), and ours. */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { createCanvas, loadImage } from "@napi-rs/canvas";
import { z } from "zod";
import { resizeBilinear, rgbaToChw, shortestEdgeSize } from "./preprocess";
import { SHARED_SAMPLE_PNG } from "./test-models";

const pillowReferenceSchema = z.object({
  sourceSha256: z.string().regex(/^[0-9a-f]{64}$/),
  width: z.literal(800),
  height: z.literal(1035),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  pixelsXyBgr: z.array(z.tuple([z.number(), z.number(), z.number(), z.number(), z.number()])).min(1),
});

/**
 * Pillow 9.4's BILINEAR resize of the shared sample page to 800x1035, BGR CHW: what Detectron2's
 * DefaultPredictor feeds the graph. Made once by scripts/fixtures/pillow-sample-reference.py.
 */
export const PILLOW_SAMPLE = pillowReferenceSchema.parse(
  JSON.parse(readFileSync(path.join(import.meta.dirname, "fixtures", "sample-page-pillow.json"), "utf8")),
);

export const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Our pre-processing of the sample page (ResizeShortestEdge 800/1333, bilinear, BGR CHW), with what it started from. */
export async function preprocessSamplePage() {
  const source = readFileSync(SHARED_SAMPLE_PNG);
  const png = await loadImage(source);
  const canvas = createCanvas(png.width, png.height);
  const ctx = canvas.getContext("2d");
  ctx.drawImage(png, 0, 0);
  const size = shortestEdgeSize(png.width, png.height, 800, 1333);
  const rgba = ctx.getImageData(0, 0, png.width, png.height).data;
  const input = rgbaToChw(resizeBilinear(rgba, png.width, png.height, size.width, size.height), size.width, size.height, "BGR");
  return { sourceSha256: sha256(source), original: { width: png.width, height: png.height }, size, input };
}
