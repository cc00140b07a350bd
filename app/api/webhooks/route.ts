import { webhookQuerySchema } from "@/lib/api-query";
import { listDeliveries, toDeliveryDto } from "@/db/webhooks";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { identifyCaller, visibleDocument } from "@/lib/server/callers";
import { db } from "@/lib/server/context";
import { handle } from "@/lib/server/http";

export const dynamic = "force-dynamic";


/**
 * Webhook delivery log (newest first): the admin sees every delivery, or one document's; a key sees its own
 * document's (documentId required).
 */
export async function GET(request: Request) {
  return handle(async () => {
    const caller = await identifyCaller({ db: db(), env: env() }, request);
    const parsed = webhookQuerySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
    if (!parsed.success) throw new AppError("validation_failed", "bad query", "documentId must be a document id.");
    const { documentId } = parsed.data;
    if (caller.kind === "anonymous") throw new AppError("unauthorized", "admin session or key required", "Sign in to the admin page first.");
    if (documentId) await visibleDocument({ db: db() }, caller, documentId);
    else if (caller.kind !== "admin") throw new AppError("validation_failed", "documentId required", "documentId is required with an API key.");
    const rows = await listDeliveries(db(), { documentId, limit: 100 });
    return Response.json({ deliveries: rows.map(toDeliveryDto) });
  });
}
