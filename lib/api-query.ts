import { z } from "zod";
import { documentSortKeys } from "../db/documents";
import { documentStatusSchema } from "./api-types";

/** Query strings and small bodies the routes parse, shared with the OpenAPI description (lib/openapi.ts). */
export const documentListQuerySchema = z.object({
  status: documentStatusSchema.optional(),
  q: z.string().max(200).optional().describe("Filename contains (case-insensitive)."),
  sort: z.enum(documentSortKeys).default("createdAt"),
  dir: z.enum(["asc", "desc"]).default("desc"),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(25),
});

export const exportFormatSchema = z.enum(["json", "coco", "markdown", "text"]);
/** A run number (1, 2, …); run 1 is the document's own processing. */
export const runNumberSchema = z.coerce.number().int().min(1).max(100_000);
export const exportQuerySchema = z.object({
  format: exportFormatSchema.default("json"),
  run: runNumberSchema.default(1).describe("The run whose detections are exported (default 1, the document's own processing)."),
});
export const pageQuerySchema = z.object({ run: runNumberSchema.default(1).describe("The run whose detections and results are given (default 1).") });
export const compareQuerySchema = z.object({ a: runNumberSchema.describe("Reference run."), b: runNumberSchema.describe("Compared run.") });
export const createRunRequestSchema = z.object({ model: z.string().min(1).max(200).describe("Id of an installed model (GET /api/models).") });

/** `?pages=none`: the document alone (what the home page polls for each recent upload; pages can be thousands). */
export const documentQuerySchema = z.object({
  pages: z.enum(["all", "none"]).catch("all").describe("none: the document without its pages (anything else: with them)."),
});

export const searchQuerySchema = z.object({
  q: z.string().trim().min(1).max(200).describe("Full-text query (websearch syntax: \"phrases\", -exclusions, or)."),
});

export const webhookQuerySchema = z.object({ documentId: z.uuid().optional() });

export const loginRequestSchema = z.object({ password: z.string().min(1).max(1000) });
