import type { Job } from "graphile-worker";

/** Graphile Worker counts the running attempt in `attempts`. */
export function isLastAttempt(job: Pick<Job, "attempts" | "max_attempts">): boolean {
  return job.attempts >= job.max_attempts;
}

export const STORAGE_UNAVAILABLE = {
  code: "storage_unavailable",
  message: "The file storage could not be reached after several attempts. Please retry the document later.",
};
