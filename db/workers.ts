import { desc, gt } from "drizzle-orm";
import type { Db } from "./client";
import { workerHeartbeats, type WorkerHeartbeat } from "./schema";

/** Workers whose heartbeat is fresher than `deadAfterMs` (one row per worker pool), newest first. */
export async function liveWorkers(db: Db, deadAfterMs: number): Promise<WorkerHeartbeat[]> {
  return db
    .select()
    .from(workerHeartbeats)
    .where(gt(workerHeartbeats.lastSeen, new Date(Date.now() - deadAfterMs)))
    .orderBy(desc(workerHeartbeats.lastSeen));
}

/** Ids of the models some live worker serves. */
export async function servedModels(db: Db, deadAfterMs: number): Promise<Set<string>> {
  return new Set((await liveWorkers(db, deadAfterMs)).flatMap((w) => w.models));
}
