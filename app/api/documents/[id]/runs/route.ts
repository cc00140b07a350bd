import { createRunRequestSchema } from "@/lib/api-query";
import { env } from "@/lib/env";
import { requireAdmin } from "@/lib/server/admin-auth";
import { identifyCaller, visibleDocument } from "@/lib/server/callers";
import { db, queue } from "@/lib/server/context";
import { handle, parseDocumentId, parseJson } from "@/lib/server/http";
import { listRunDtos, startRun } from "@/lib/server/run-actions";

export const dynamic = "force-dynamic";

type Ctx = { params: Promise<{ id: string }> };

export async function GET(request: Request, { params }: Ctx) {
  return handle(async () => {
    const id = parseDocumentId((await params).id);
    await visibleDocument({ db: db() }, await identifyCaller({ db: db(), env: env() }, request), id);
    return Response.json({ runs: await listRunDtos(db(), id) });
  });
}

export async function POST(request: Request, { params }: Ctx) {
  return handle(async () => {
    requireAdmin(request);
    const id = parseDocumentId((await params).id);
    const { model } = await parseJson(request, createRunRequestSchema);
    const run = await startRun({ db: db(), queue: await queue(), models: env(), queueSchema: env().QUEUE_SCHEMA }, id, model);
    return Response.json({ run }, { status: 201 });
  });
}
