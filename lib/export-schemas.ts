import { z } from "zod";

/** The shapes of the export downloads (lib/export.ts), for the OpenAPI description and its test. */
const box = z.object({ x1: z.number(), y1: z.number(), x2: z.number(), y2: z.number() });

export const detectionsExportSchema = z.object({
  schema: z.literal("pagewise.detections/v1"),
  document: z.object({ id: z.string(), filename: z.string(), status: z.string(), pageCount: z.number().nullable() }),
  model: z.object({ id: z.string().nullable(), name: z.string().nullable(), version: z.string().nullable(), kind: z.string().nullable() }),
  pages: z.array(
    z.object({
      pageNumber: z.number(),
      status: z.string(),
      widthPt: z.number().nullable(),
      heightPt: z.number().nullable(),
      note: z.string().nullable(),
      detections: z.array(
        z.object({
          label: z.string(),
          classIndex: z.number(),
          score: z.number(),
          box: box.describe("Normalised to the page (0..1, origin top-left)."),
          boxPt: box.nullable().describe("The same in PDF points."),
          polygon: z.array(z.tuple([z.number(), z.number()])).nullable(),
        }),
      ),
    }),
  ),
});

export const cocoExportSchema = z.object({
  info: z.object({ description: z.string(), model: z.string().nullable(), version: z.string().nullable() }),
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

const probe = z.object({ ok: z.boolean(), ms: z.number() });
export const healthSchema = z.object({ status: z.enum(["ok", "degraded"]), database: probe, storage: probe });
