/**
 * The shapes of the export downloads (lib/export.ts): the JSON export, version 2 (current) and version 1
 * (before text), and COCO. Readers parse either JSON version into the version 2 shape, so files saved
 * earlier stay readable; the OpenAPI description (lib/openapi.ts) uses the same schemas.
 */
import { z } from "zod";

const box = z.object({ x1: z.number(), y1: z.number(), x2: z.number(), y2: z.number() });

const detectionV1 = z.object({
  label: z.string(),
  classIndex: z.number().int(),
  score: z.number(),
  box: box.describe("Normalised to the page (0..1, origin top-left)."),
  boxPt: box.nullable().describe("The same in PDF points."),
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
  /** The run whose detections these are (1: the document's own processing); absent in exports from before runs. */
  run: z.number().optional(),
};
export const detectionsJsonV1 = z.object({ schema: z.literal("pagewise.detections/v1"), ...head, pages: z.array(pageV1) });
export const detectionsJsonV2 = z.object({ schema: z.literal("pagewise.detections/v2"), ...head, pages: z.array(pageV2) });
export type DetectionsJson = z.infer<typeof detectionsJsonV2>;

export const cocoExportSchema = z.object({
  info: z.object({ description: z.string(), model: z.string().nullable(), version: z.string().nullable(), run: z.number().optional() }),
  images: z.array(z.object({ id: z.number(), file_name: z.string(), width: z.number().nullable(), height: z.number().nullable() })),
  categories: z.array(z.object({ id: z.number(), name: z.string() })),
  annotations: z.array(
    z.object({
      id: z.number(),
      image_id: z.number(),
      category_id: z.number(),
      bbox: z.array(z.number()).length(4),
      area: z.number(),
      iscrowd: z.number(),
      score: z.number(),
      segmentation: z.array(z.array(z.number())).optional(),
    }),
  ),
});
export type CocoExport = z.infer<typeof cocoExportSchema>;

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
