import { exportQuerySchema } from "@/lib/api-query";
import { documentDetections, listPages } from "@/db/documents";
import { listRunPages } from "@/db/runs";
import type { Document, Page } from "@/db/schema";
import { mustGetRun } from "@/lib/server/run-actions";
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
    const search = new URL(request.url).searchParams;
    const query = exportQuerySchema.safeParse({ format: search.get("format") ?? undefined, run: search.get("run") ?? undefined });
    if (!query.success) {
      const badRun = query.error.issues.every((i) => i.path[0] === "run");
      throw new AppError("validation_failed", "bad query", badRun ? "run must be a run number (1, 2, …)." : "format must be json, coco, markdown or text.");
    }
    const { format, run } = query.data;
    const visible = await visibleDocument({ db: db() }, await identifyCaller({ db: db(), env: env() }, request), id);
    const [allPages, detections] = await Promise.all([listPages(db(), id), documentDetections(db(), id, run)]);
    const { doc, pages } = run === 1 ? { doc: visible, pages: allPages } : await asRun(visible, allPages, run);
    const base = doc.filename.replace(/\.pdf$/i, "").replace(/[^\w.-]+/g, "_").slice(0, 80) || "document";
    if (format === "markdown" || format === "text") {
      const markdown = format === "markdown";
      return new Response(markdown ? toMarkdown(doc, pages, detections, run) : toPlainText(pages, detections), {
        headers: {
          "content-type": `${markdown ? "text/markdown" : "text/plain"}; charset=utf-8`,
          "content-disposition": `attachment; filename="${base}.${markdown ? "md" : "txt"}"`,
          // Plain text has no room to say which model found the regions; the header does.
          "x-pagewise-model": `${doc.modelId ?? "none"}${doc.modelKind ? ` (${doc.modelKind})` : ""}`,
          "x-pagewise-run": String(run),
        },
      });
    }
    const body = format === "coco" ? toCoco(doc, pages, detections, run) : toDetectionsJson(doc, pages, detections, run);
    return new Response(JSON.stringify(body, null, 2), {
      headers: {
        "content-type": "application/json; charset=utf-8",
        "content-disposition": `attachment; filename="${base}${run === 1 ? "" : `.run${run}`}.${format === "coco" ? "coco" : "detections"}.json"`,
        "x-pagewise-run": String(run),
      },
    });
  });
}

/** The document as a later run saw it: that run's model, and its page outcomes (pages it does not cover are left out). */
async function asRun(doc: Document, pages: Page[], number: number): Promise<{ doc: Document; pages: Page[] }> {
  const run = await mustGetRun(db(), doc.id, number);
  const results = new Map((await listRunPages(db(), doc.id, number)).map((r) => [r.pageNumber, r]));
  return {
    doc: { ...doc, modelId: run.modelId, modelName: run.modelName, modelVersion: run.modelVersion, modelKind: run.modelKind, modelLabels: run.modelLabels },
    pages: pages.flatMap((p) => {
      const r = results.get(p.pageNumber);
      return r ? [{ ...p, status: r.status, inferMs: r.inferMs, detectionCount: r.detectionCount, note: r.note, errorCode: r.errorCode, errorMessage: r.errorMessage }] : [];
    }),
  };
}
