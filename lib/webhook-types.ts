import { z } from "zod";
import { documentSchema, pageSchema } from "./api-types";

export const webhookEventTypes = ["document.done", "document.failed", "document.cancelled", "page.done", "page.failed"] as const;

/** The JSON body POSTed to a callback URL. `id` is the same on every attempt: receivers deduplicate by it. */
export const webhookEventSchema = z.object({
  id: z.string().describe("Event id, stable across retries (also in the Pagewise-Event-Id header)."),
  type: z.enum(webhookEventTypes),
  createdAt: z.string(),
  document: documentSchema,
  page: pageSchema.optional().describe("For page.* events (uploads with callbackPages: true)."),
});

export const webhookDeliverySchema = z.object({
  id: z.string(),
  documentId: z.string(),
  type: z.string(),
  url: z.string(),
  status: z.enum(["pending", "delivered", "failed"]),
  attempts: z.number(),
  lastStatusCode: z.number().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  lastAttemptAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
});

export const webhookDeliveryListSchema = z.object({ deliveries: z.array(webhookDeliverySchema) });

export type WebhookEvent = z.infer<typeof webhookEventSchema>;
export type WebhookDeliveryDto = z.infer<typeof webhookDeliverySchema>;
