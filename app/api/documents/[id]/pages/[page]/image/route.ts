import { getPage } from "@/db/documents";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { identifyCaller, visibleDocument } from "@/lib/server/callers";
import { presignDownload, DOWNLOAD_URL_TTL_SECONDS } from "@/lib/s3";
import { db, storage } from "@/lib/server/context";
import { handle, notFound, pageNumberSchema, parseDocumentId } from "@/lib/server/http";

export const dynamic = "force-dynamic";

/** The bucket is private: the browser is sent to a short-lived presigned URL of the page image. */
export async function GET(request: Request, { params }: { params: Promise<{ id: string; page: string }> }) {
  return handle(async () => {
    const raw = await params;
    const id = parseDocumentId(raw.id);
    await visibleDocument({ db: db() }, await identifyCaller({ db: db(), env: env() }, request), id);
    const n = pageNumberSchema.safeParse(raw.page);
    if (!n.success) throw new AppError("invalid_id", "bad page number", "That is not a valid page number.");
    const page = await getPage(db(), id, n.data);
    if (!page?.imageKey) notFound("Page image");
    const url = await presignDownload(storage(), page.imageKey);
    return new Response(null, {
      status: 302,
      headers: { location: url, "cache-control": `private, max-age=${Math.floor(DOWNLOAD_URL_TTL_SECONDS / 2)}` },
    });
  });
}
