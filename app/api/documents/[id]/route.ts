import { listPages } from "@/db/documents";
import { documentQuerySchema } from "@/lib/api-query";
import { toDocumentDto, toPageDto } from "@/db/dto";
import { env } from "@/lib/env";
import { requireAdmin } from "@/lib/server/admin-auth";
import { identifyCaller, visibleDocument } from "@/lib/server/callers";
import { db, queue, served, storage } from "@/lib/server/context";
import { deleteDocument } from "@/lib/server/document-actions";
import { handle, parseDocumentId } from "@/lib/server/http";

export const dynamic = "force-dynamic";

type Ctx = { params: Promise<{ id: string }> };

export async function GET(request: Request, { params }: Ctx) {
  return handle(async () => {
    const id = parseDocumentId((await params).id);
    const query = documentQuerySchema.parse({ pages: new URL(request.url).searchParams.get("pages") ?? undefined });
    const doc = await visibleDocument({ db: db() }, await identifyCaller({ db: db(), env: env() }, request), id);
    const serving = await served();
    if (query.pages === "none") return Response.json({ document: toDocumentDto(doc, serving) });
    const pages = await listPages(db(), id);
    return Response.json({ document: toDocumentDto(doc, serving), pages: pages.map((p) => toPageDto(p)) });
  });
}

export async function DELETE(request: Request, { params }: Ctx) {
  return handle(async () => {
    requireAdmin(request);
    const id = parseDocumentId((await params).id);
    await deleteDocument({ db: db(), storage: storage(), queue: await queue() }, id);
    return new Response(null, { status: 204 });
  });
}
