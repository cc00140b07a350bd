import { compareQuerySchema } from "@/lib/api-query";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { identifyCaller, visibleDocument } from "@/lib/server/callers";
import { db } from "@/lib/server/context";
import { handle, parseDocumentId } from "@/lib/server/http";
import { compareRunsOf } from "@/lib/server/run-actions";

export const dynamic = "force-dynamic";

export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return handle(async () => {
    const id = parseDocumentId((await params).id);
    const search = new URL(request.url).searchParams;
    const query = compareQuerySchema.safeParse({ a: search.get("a") ?? undefined, b: search.get("b") ?? undefined });
    if (!query.success) throw new AppError("validation_failed", "bad runs", "a and b must be run numbers (1, 2, …).");
    await visibleDocument({ db: db() }, await identifyCaller({ db: db(), env: env() }, request), id);
    return Response.json(await compareRunsOf(db(), id, query.data.a, query.data.b));
  });
}
