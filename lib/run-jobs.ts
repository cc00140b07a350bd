import type { AddJobsFunction } from "graphile-worker";
import { jobKeys, MAX_ATTEMPTS } from "./jobs";

/**
 * The one place `page__detect` jobs are added, for every run (run 1 from document__process, later runs from
 * the runs API): a run's model decides which worker may take them, so routing by model belongs here.
 */
export async function enqueueRunPages(queue: { addJobs: AddJobsFunction }, run: { documentId: string; number: number; modelId: string }, pageNumbers: number[]) {
  if (!pageNumbers.length) return;
  await queue.addJobs(
    pageNumbers.map((pageNumber) => ({
      identifier: "page__detect" as const,
      payload: { documentId: run.documentId, pageNumber, run: run.number },
      jobKey: jobKeys.page(run.documentId, pageNumber, run.number),
      maxAttempts: MAX_ATTEMPTS.page,
    })),
  );
}
