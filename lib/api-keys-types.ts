import { z } from "zod";

/** The API-key shapes of the admin routes (app/api/keys), shared by the routes, the admin page and OpenAPI. */
export const apiKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string().describe("The public start of the key, to recognise it; the secret is never shown again."),
  callbackUrl: z.string().nullable(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

export const createApiKeyRequestSchema = z.object({
  name: z.string().trim().min(1).max(100),
  callbackUrl: z.url({ protocol: /^https?$/ }).max(2000).optional().describe("Default webhook for documents uploaded with this key."),
});

export const createApiKeyResponseSchema = z.object({
  apiKey: apiKeySchema,
  secret: z.string().describe("The whole key (Authorization: Bearer <secret>). Shown once; only its hash is stored."),
});

export const apiKeyListSchema = z.object({ apiKeys: z.array(apiKeySchema) });

export type ApiKeyDto = z.infer<typeof apiKeySchema>;
