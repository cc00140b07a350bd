import { toDocumentDto } from "@/db/dto";
import { env } from "@/lib/env";
import { identifyCaller, visibleDocument } from "@/lib/server/callers";
import { db, queue, served, storage } from "@/lib/server/context";
import { handle, parseDocumentId } from "@/lib/server/http";
import { completeUpload } from "@/lib/server/uploads";

export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return handle(async () => {
    const id = parseDocumentId((await params).id);
    await visibleDocument({ db: db() }, await identifyCaller({ db: db(), env: env() }, request), id);
    const doc = await completeUpload({ db: db(), storage: storage(), queue: await queue() }, id);
    return Response.json({ document: toDocumentDto(doc, await served()) });
  });
}
