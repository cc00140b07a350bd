import { searchAll } from "@/db/search";
import type { adminSearchSchema } from "@/lib/api-types";
import { requireAdmin } from "@/lib/server/admin-auth";
import { db } from "@/lib/server/context";
import { handle } from "@/lib/server/http";
import { parseSearchQuery } from "@/lib/server/search-query";
import type { z } from "zod";

export const dynamic = "force-dynamic";

/** Admin: documents whose region text matches `q`, best first, with matching pages and snippets. */
export async function GET(request: Request) {
  return handle(async () => {
    requireAdmin(request);
    const q = parseSearchQuery(request);
    return Response.json({ query: q, documents: await searchAll(db(), q) } satisfies z.infer<typeof adminSearchSchema>);
  });
}
