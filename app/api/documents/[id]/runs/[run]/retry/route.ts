import { env } from "@/lib/env";
import { requireAdmin } from "@/lib/server/admin-auth";
import { db, queue } from "@/lib/server/context";
import { handle, parseRunParams } from "@/lib/server/http";
import { retryRunAction } from "@/lib/server/run-actions";

export async function POST(request: Request, { params }: { params: Promise<{ id: string; run: string }> }) {
  return handle(async () => {
    requireAdmin(request);
    const { id, run: n } = parseRunParams(await params);
    const run = await retryRunAction({ db: db(), queue: await queue(), models: env(), queueSchema: env().QUEUE_SCHEMA }, id, n);
    return Response.json({ run });
  });
}
