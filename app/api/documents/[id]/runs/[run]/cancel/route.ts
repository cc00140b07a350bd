import { runNumberSchema } from "@/lib/api-query";
import { AppError } from "@/lib/errors";
import { env } from "@/lib/env";
import { requireAdmin } from "@/lib/server/admin-auth";
import { db, queue } from "@/lib/server/context";
import { handle, parseDocumentId } from "@/lib/server/http";
import { cancelRunAction } from "@/lib/server/run-actions";

export async function POST(request: Request, { params }: { params: Promise<{ id: string; run: string }> }) {
  return handle(async () => {
    requireAdmin(request);
    const raw = await params;
    const id = parseDocumentId(raw.id);
    const n = runNumberSchema.safeParse(raw.run);
    if (!n.success) throw new AppError("invalid_id", "bad run number", "That is not a valid run number.");
    const run = await cancelRunAction({ db: db(), queue: await queue(), models: env(), queueSchema: env().QUEUE_SCHEMA }, id, n.data);
    return Response.json({ run });
  });
}
