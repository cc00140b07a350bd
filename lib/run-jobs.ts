import type { AddJobsFunction } from "graphile-worker";
import { jobKeys, MAX_ATTEMPTS } from "./jobs";
import { detectJobRouting } from "./models/routing";

/**
 * The one place `page__detect` jobs are added, for every run (run 1 from document__process, later runs from
 * the runs API), routed to the workers that serve the run's model.
 */
export async function enqueueRunPages(queue: { addJobs: AddJobsFunction }, run: { documentId: string; number: number; modelId: string }, pageNumbers: number[]) {
  if (!pageNumbers.length) return;
  await queue.addJobs(
    pageNumbers.map((pageNumber) => ({
      identifier: detectJobRouting(run.modelId).pageTask,
      payload: { documentId: run.documentId, pageNumber, run: run.number },
      jobKey: jobKeys.page(run.documentId, pageNumber, run.number),
      maxAttempts: MAX_ATTEMPTS.page,
    })),
  );
}
