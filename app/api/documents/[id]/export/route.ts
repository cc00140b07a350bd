import { exportQuerySchema } from "@/lib/api-query";
import { documentDetections, listPages } from "@/db/documents";
import { env } from "@/lib/env";
import { identifyCaller, visibleDocument } from "@/lib/server/callers";
import { AppError } from "@/lib/errors";
import { toCoco, toDetectionsJson } from "@/lib/export";
import { toMarkdown, toPlainText } from "@/lib/export-text";
import { db } from "@/lib/server/context";
import { handle, parseDocumentId } from "@/lib/server/http";

export const dynamic = "force-dynamic";

export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return handle(async () => {
    const id = parseDocumentId((await params).id);
    const query = exportQuerySchema.safeParse({ format: new URL(request.url).searchParams.get("format") ?? undefined });
    if (!query.success) throw new AppError("validation_failed", "bad format", "format must be json, coco, markdown or text.");
    const { format } = query.data;
    const doc = await visibleDocument({ db: db() }, await identifyCaller({ db: db(), env: env() }, request), id);
    const [pages, detections] = await Promise.all([listPages(db(), id), documentDetections(db(), id)]);
    const base = doc.filename.replace(/\.pdf$/i, "").replace(/[^\w.-]+/g, "_").slice(0, 80) || "document";
    if (format === "markdown" || format === "text") {
      const markdown = format === "markdown";
      return new Response(markdown ? toMarkdown(doc, pages, detections) : toPlainText(pages, detections), {
        headers: {
          "content-type": `${markdown ? "text/markdown" : "text/plain"}; charset=utf-8`,
          "content-disposition": `attachment; filename="${base}.${markdown ? "md" : "txt"}"`,
          // Plain text has no room to say which model found the regions; the header does.
          "x-pagewise-model": `${doc.modelId ?? "none"}${doc.modelKind ? ` (${doc.modelKind})` : ""}`,
        },
      });
    }
    const body = format === "coco" ? toCoco(doc, pages, detections) : toDetectionsJson(doc, pages, detections);
    return new Response(JSON.stringify(body, null, 2), {
      headers: {
        "content-type": "application/json; charset=utf-8",
        "content-disposition": `attachment; filename="${base}.${format === "coco" ? "coco" : "detections"}.json"`,
      },
    });
  });
}
