/**
 * Readers for the JSON export: version 2 (current) and version 1 (before text), both parsed into the
 * version 2 shape, so files saved earlier stay readable.
 */
import { z } from "zod";

const box = z.object({ x1: z.number(), y1: z.number(), x2: z.number(), y2: z.number() });

const detectionV1 = z.object({
  label: z.string(),
  classIndex: z.number().int(),
  score: z.number(),
  box,
  boxPt: box.nullable(),
  polygon: z.array(z.tuple([z.number(), z.number()])).nullable(),
});
const detectionV2 = detectionV1.extend({
  order: z.number().int().nullable(),
  text: z.string().nullable(),
  textSource: z.enum(["pdf", "ocr"]).nullable(),
  ocrConfidence: z.number().min(0).max(1).nullable(),
});

const pageV1 = z.object({
  pageNumber: z.number().int(),
  status: z.string(),
  widthPt: z.number().nullable(),
  heightPt: z.number().nullable(),
  note: z.string().nullable(),
  detections: z.array(detectionV1),
});
const pageV2 = pageV1.extend({
  textLayer: z.enum(["ok", "none", "unusable"]).nullable(),
  unassignedText: z.string().nullable(),
  detections: z.array(detectionV2),
});

const head = {
  document: z.object({ id: z.string(), filename: z.string(), status: z.string(), pageCount: z.number().nullable() }),
  model: z.object({ id: z.string().nullable(), name: z.string().nullable(), version: z.string().nullable(), kind: z.string().nullable() }),
};
export const detectionsJsonV1 = z.object({ schema: z.literal("pagewise.detections/v1"), ...head, pages: z.array(pageV1) });
export const detectionsJsonV2 = z.object({ schema: z.literal("pagewise.detections/v2"), ...head, pages: z.array(pageV2) });
export type DetectionsJson = z.infer<typeof detectionsJsonV2>;

/** Parses an export of either version; v1 detections get no text and no order (as they had none). */
export function readDetectionsJson(input: unknown): DetectionsJson {
  const parsed = z.discriminatedUnion("schema", [detectionsJsonV1, detectionsJsonV2]).parse(input);
  if (parsed.schema === "pagewise.detections/v2") return parsed;
  return {
    ...parsed,
    schema: "pagewise.detections/v2",
    pages: parsed.pages.map((p) => ({
      ...p,
      textLayer: null,
      unassignedText: null,
      detections: p.detections.map((d) => ({ ...d, order: null, text: null, textSource: null, ocrConfidence: null })),
    })),
  };
}
