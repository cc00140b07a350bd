import type { Task } from "graphile-worker";
import { expiredUploads, failDocument } from "../../db/documents";
import { deletePrefix, objectKeys } from "../../lib/s3";
import type { WorkerDeps } from "../deps";

export const UPLOAD_EXPIRED = {
  code: "upload_expired",
  message: "The upload was not completed in time. Please upload the file again.",
};

/** Fails uploads that were never completed (browser closed, web restarted) and removes what was stored. */
export function uploadsExpire(deps: Pick<WorkerDeps, "db" | "storage" | "logger">, now: () => Date = () => new Date()): Task<"uploads__expire"> {
  return async (_payload, helpers) => {
    const stale = await expiredUploads(deps.db, now());
    for (const doc of stale) {
      const failed = await failDocument(deps.db, doc.id, UPLOAD_EXPIRED.code, UPLOAD_EXPIRED.message);
      if (failed) await deletePrefix(deps.storage, objectKeys.documentPrefix(doc.id));
    }
    if (stale.length) deps.logger.info("expired abandoned uploads", { jobId: helpers.job.id, count: stale.length });
  };
}
