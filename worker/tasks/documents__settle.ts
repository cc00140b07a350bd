import type { Task } from "graphile-worker";
import { eq, inArray, sql, type SQL } from "drizzle-orm";
import type { Db } from "../../db/client";
import { failDocument } from "../../db/documents";
import { failPage } from "../../db/pages";
import { documents, pages } from "../../db/schema";
import type { WorkerDeps } from "../deps";

export const RETRIES_EXHAUSTED = {
  code: "retries_exhausted",
  message: "Processing could not be completed after several attempts (the database or the file storage was unreachable). Please retry the document.",
};

/**
 * Settles work whose jobs gave up without recording why. A job's last attempt writes its failure to the
 * document or page; when the database itself was down at that moment the write is lost, Graphile Worker
 * keeps the job as permanently failed, and the page or document would stay "processing" for good.
 * Here, pages of a processing document whose job (or whose document's job, which adds them) gave up, and
 * that no job can still run, are failed, which settles the document; so are queued documents whose job
 * gave up. Only jobs seen to have given up count: an absent job proves nothing (another queue schema, a
 * job not added yet).
 */
export function documentsSettle(deps: Pick<WorkerDeps, "db" | "env" | "logger">): Task<"documents__settle"> {
  return async (_payload, helpers) => {
    const { pageIds, documentIds } = await findAbandoned(deps.db, deps.env.QUEUE_SCHEMA);
    const stuckPages = pageIds.length ? await deps.db.select().from(pages).where(inArray(pages.id, pageIds)) : [];
    for (const page of stuckPages) await failPage(deps.db, page, RETRIES_EXHAUSTED.code, RETRIES_EXHAUSTED.message);
    for (const id of documentIds) await failDocument(deps.db, id, RETRIES_EXHAUSTED.code, RETRIES_EXHAUSTED.message);
    if (stuckPages.length || documentIds.length) {
      deps.logger.warn("settled work whose jobs gave up", { jobId: helpers.job.id, pages: stuckPages.length, documents: documentIds.length });
    }
  };
}

async function findAbandoned(db: Db, queueSchema: string) {
  const jobs = sql`${sql.identifier(queueSchema)}.jobs`;
  // A job that may still run: attempts left, or running now. One that gave up: neither.
  const live = (key: SQL) => sql`exists (select 1 from ${jobs} j where j.key = ${key} and (j.attempts < j.max_attempts or j.locked_at is not null))`;
  const dead = (key: SQL) => sql`exists (select 1 from ${jobs} j where j.key = ${key} and j.attempts >= j.max_attempts and j.locked_at is null)`;
  const documentKey = sql`'document:' || ${documents.id}`;
  const pageKey = sql`'page:' || ${pages.documentId} || ':' || ${pages.pageNumber}`;

  const stuckPages = await db
    .select({ id: pages.id })
    .from(pages)
    .innerJoin(documents, eq(documents.id, pages.documentId))
    .where(
      sql`${documents.status} = 'processing' and ${pages.status} in ('pending', 'processing')
        and (${dead(pageKey)} or ${dead(documentKey)}) and not ${live(pageKey)} and not ${live(documentKey)}`,
    );
  const stuckDocuments = await db
    .select({ id: documents.id })
    .from(documents)
    .where(sql`${documents.status} = 'queued' and ${dead(documentKey)} and not ${live(documentKey)}`);
  return { pageIds: stuckPages.map((p) => p.id), documentIds: stuckDocuments.map((d) => d.id) };
}
