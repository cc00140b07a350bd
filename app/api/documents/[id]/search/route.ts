import { searchDocument } from "@/db/search";
import type { documentSearchSchema } from "@/lib/api-types";
import { env } from "@/lib/env";
import { identifyCaller, visibleDocument } from "@/lib/server/callers";
import { db } from "@/lib/server/context";
import { handle, parseDocumentId } from "@/lib/server/http";
import { parseSearchQuery } from "@/lib/server/search-query";
import type { z } from "zod";

export const dynamic = "force-dynamic";

/** Regions of this document whose text matches `q` (full-text, stemmed), with their pages and snippets. */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return handle(async () => {
    const id = parseDocumentId((await params).id);
    const q = parseSearchQuery(request);
    // The same visibility as reading the document: a key searches only its own documents.
    await visibleDocument({ db: db() }, await identifyCaller({ db: db(), env: env() }, request), id);
    return Response.json({ query: q, hits: await searchDocument(db(), id, q) } satisfies z.infer<typeof documentSearchSchema>);
  });
}
