import { getDocument } from "@/db/documents";
import { searchDocument } from "@/db/search";
import { db } from "@/lib/server/context";
import { handle, notFound, parseDocumentId } from "@/lib/server/http";
import { parseSearchQuery } from "@/lib/server/search-query";

export const dynamic = "force-dynamic";

/** Regions of this document whose text matches `q` (full-text, stemmed), with their pages and snippets. */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return handle(async () => {
    const id = parseDocumentId((await params).id);
    const q = parseSearchQuery(request);
    const doc = await getDocument(db(), id);
    if (!doc) notFound();
    return Response.json({ query: q, hits: await searchDocument(db(), id, q) });
  });
}
