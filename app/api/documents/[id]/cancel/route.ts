import { toDocumentDto } from "@/db/dto";
import { requireAdmin } from "@/lib/server/admin-auth";
import { db, queue, served, storage } from "@/lib/server/context";
import { cancelDocument } from "@/lib/server/document-actions";
import { handle, parseDocumentId } from "@/lib/server/http";

export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return handle(async () => {
    requireAdmin(request);
    const id = parseDocumentId((await params).id);
    const doc = await cancelDocument({ db: db(), storage: storage(), queue: await queue() }, id);
    return Response.json({ document: toDocumentDto(doc, await served()) });
  });
}
