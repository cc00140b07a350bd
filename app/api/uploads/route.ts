import { toDocumentDto } from "@/db/dto";
import { createUploadRequestSchema } from "@/lib/api-types";
import { env, privateCallbacksAllowed } from "@/lib/env";
import { resolveCallback } from "@/lib/webhook-guard";
import { AppError } from "@/lib/errors";
import { assertCanUpload, identifyCaller } from "@/lib/server/callers";
import { db, served, storage } from "@/lib/server/context";
import { clientAddress, handle, parseJson } from "@/lib/server/http";
import { createRateLimiter } from "@/lib/server/rate-limit";
import { createUpload } from "@/lib/server/uploads";

/** Uploads one client (an API key, or else an address) may start per minute. */
const limiter = createRateLimiter({ limit: 120, windowMs: 60_000 });

export async function POST(request: Request) {
  return handle(async () => {
    const caller = await identifyCaller({ db: db(), env: env() }, request);
    assertCanUpload(caller, env());
    const wait = limiter.hit(caller.kind === "key" ? `key:${caller.key.id}` : clientAddress(request));
    if (wait) throw new AppError("rate_limited", "upload rate", `Too many uploads. Try again in ${wait} s.`);
    const input = await parseJson(request, createUploadRequestSchema);
    const callbackUrl = input.callbackUrl ?? (caller.kind === "key" ? caller.key.callbackUrl : null);
    // Checked now for a clear 400; checked again at each delivery, since DNS answers change.
    if (callbackUrl) await resolveCallback(new URL(callbackUrl), privateCallbacksAllowed(env()));
    const owner = {
      apiKeyId: caller.kind === "key" ? caller.key.id : null,
      callbackUrl,
      callbackPages: input.callbackPages ?? false,
    };
    if (input.model && input.modelId && input.model !== input.modelId) {
      throw new AppError("validation_failed", "model and modelId differ", `"model" (${input.model}) and "modelId" (${input.modelId}) name different models; send one.`);
    }
    const model = input.model ?? input.modelId;
    const { document, upload } = await createUpload({ db: db(), storage: storage(), env: env() }, { ...input, model }, owner);
    return Response.json({ document: toDocumentDto(document, await served()), upload }, { status: 201 });
  });
}
