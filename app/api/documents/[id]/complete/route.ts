import { toDocumentDto } from "@/db/dto";
import { db, queue, storage } from "@/lib/server/context";
import { handle, parseDocumentId } from "@/lib/server/http";
import { completeUpload } from "@/lib/server/uploads";

export async function POST(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  return handle(async () => {
    const id = parseDocumentId((await params).id);
    const doc = await completeUpload({ db: db(), storage: storage(), queue: await queue() }, id);
    return Response.json({ document: toDocumentDto(doc) });
  });
}
