import { getPage, pageDetections } from "@/db/documents";
import { toPageDto } from "@/db/dto";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { identifyCaller, visibleDocument } from "@/lib/server/callers";
import { db } from "@/lib/server/context";
import { handle, notFound, pageNumberSchema, parseDocumentId } from "@/lib/server/http";

export const dynamic = "force-dynamic";

export async function GET(request: Request, { params }: { params: Promise<{ id: string; page: string }> }) {
  return handle(async () => {
    const raw = await params;
    const id = parseDocumentId(raw.id);
    await visibleDocument({ db: db() }, await identifyCaller({ db: db(), env: env() }, request), id);
    const n = pageNumberSchema.safeParse(raw.page);
    if (!n.success) throw new AppError("invalid_id", "bad page number", "That is not a valid page number.");
    const page = await getPage(db(), id, n.data);
    if (!page) notFound("Page");
    const dets = page.status === "done" ? await pageDetections(db(), page.id) : [];
    return Response.json({ page: toPageDto(page, dets) });
  });
}
