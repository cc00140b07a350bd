import { z } from "zod";
import { listDocuments } from "@/db/documents";
import { toDocumentDto } from "@/db/dto";
import { documentListQuerySchema } from "@/lib/api-query";
import { AppError } from "@/lib/errors";
import { env } from "@/lib/env";
import { identifyCaller } from "@/lib/server/callers";
import { db, served } from "@/lib/server/context";
import { handle } from "@/lib/server/http";

export const dynamic = "force-dynamic";

const querySchema = documentListQuerySchema;

/** Every document, for the admin page; for an API key, the documents it created. */
export async function GET(request: Request) {
  return handle(async () => {
    const caller = await identifyCaller({ db: db(), env: env() }, request);
    if (caller.kind === "anonymous") throw new AppError("unauthorized", "admin session or key required", "Sign in to the admin page first.");
    const params = Object.fromEntries(new URL(request.url).searchParams);
    const parsed = querySchema.safeParse(Object.fromEntries(Object.entries(params).filter(([, v]) => v !== "")));
    if (!parsed.success) throw new AppError("validation_failed", "bad query", z.prettifyError(parsed.error));
    const { rows, total } = await listDocuments(db(), { ...parsed.data, ...(caller.kind === "key" ? { apiKeyId: caller.key.id } : {}) });
    const serving = await served();
    return Response.json({ documents: rows.map((d) => toDocumentDto(d, serving)), total, page: parsed.data.page, pageSize: parsed.data.pageSize });
  });
}
