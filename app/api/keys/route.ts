import { toApiKeyDto } from "@/db/dto-keys";
import { createApiKeyRequestSchema } from "@/lib/api-keys-types";
import { env, privateCallbacksAllowed } from "@/lib/env";
import { requireAdmin } from "@/lib/server/admin-auth";
import { resolveCallback } from "@/lib/webhook-guard";
import { createApiKey, listApiKeys } from "@/lib/server/api-keys";
import { db } from "@/lib/server/context";
import { handle, parseJson } from "@/lib/server/http";

export const dynamic = "force-dynamic";

/** Every API key (never their secrets), for the admin page. */
export async function GET(request: Request) {
  return handle(async () => {
    requireAdmin(request);
    return Response.json({ apiKeys: (await listApiKeys(db())).map(toApiKeyDto) });
  });
}

/** Creates a key; the answer holds the secret, the only time it is ever sent. */
export async function POST(request: Request) {
  return handle(async () => {
    requireAdmin(request);
    const input = await parseJson(request, createApiKeyRequestSchema);
    if (input.callbackUrl) await resolveCallback(new URL(input.callbackUrl), privateCallbacksAllowed(env()));
    const { apiKey, secret } = await createApiKey(db(), input);
    return Response.json({ apiKey: toApiKeyDto(apiKey), secret }, { status: 201, headers: { "cache-control": "no-store" } });
  });
}
