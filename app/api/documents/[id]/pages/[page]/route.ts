import { getPage, pageDetections } from "@/db/documents";
import { toRunPageDto } from "@/db/dto";
import { getRunPage } from "@/db/runs";
import { pageQuerySchema } from "@/lib/api-query";
import { mustGetRun } from "@/lib/server/run-actions";
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
    const query = pageQuerySchema.safeParse({ run: new URL(request.url).searchParams.get("run") ?? undefined });
    if (!query.success) throw new AppError("validation_failed", "bad run", "run must be a run number (1, 2, …).");
    const { run } = query.data;
    if (run !== 1) await mustGetRun(db(), id, run);
    const page = await getPage(db(), id, n.data);
    if (!page) notFound("Page");
    const result = run === 1 ? undefined : await getRunPage(db(), id, run, page.pageNumber);
    if (run !== 1 && !result) throw new AppError("not_found", "page not in run", `Run ${run} does not cover page ${page.pageNumber}.`);
    const status = result ? result.status : page.status;
    const dets = status === "done" ? await pageDetections(db(), page.id, run) : [];
    return Response.json({ page: toRunPageDto(page, result, dets) });
  });
}
