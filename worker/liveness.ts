import type { WorkerEvents } from "graphile-worker";
import os from "node:os";
import type { Sql } from "../db/client";
import type { Logger } from "../lib/logger";


/**
 * Records a heartbeat for each of this process's queue workers and, at start and periodically, releases
 * jobs locked by workers (here or on other machines) whose heartbeat stopped.
 */
export function trackLiveness(opts: { sql: Sql; events: WorkerEvents; queueSchema: string; deadAfterMs: number; logger: Logger }) {
  const { sql, events, logger, deadAfterMs } = opts;
  const heartbeatMs = Math.min(10_000, Math.floor(deadAfterMs / 3));
  const schema = sql(opts.queueSchema);
  const ids = new Set<string>();
  const host = os.hostname();

  const beat = async () => {
    if (!ids.size) return;
    const list = [...ids];
    await sql`
      insert into worker_heartbeats (worker_id, hostname, pid, last_seen)
      select id, ${host}, ${process.pid}, now() from unnest(${list}::text[]) as id
      on conflict (worker_id) do update set last_seen = now()`;
  };

  const sweep = async (): Promise<string[]> => {
    const dead = await sql<{ locked_by: string }[]>`
      select distinct j.locked_by from ${schema}.jobs j
      where j.locked_by is not null
        and j.locked_at < now() - ${`${deadAfterMs} milliseconds`}::interval
        and not exists (
          select 1 from worker_heartbeats h
          where h.worker_id = j.locked_by and h.last_seen > now() - ${`${deadAfterMs} milliseconds`}::interval)`;
    const workerIds = dead.map((r) => r.locked_by).filter((id) => !ids.has(id));
    if (workerIds.length) {
      await sql`select ${schema}.force_unlock_workers(${workerIds}::text[])`;
      await sql`delete from worker_heartbeats where worker_id = any(${workerIds}::text[])`;
      logger.warn("released jobs of workers that stopped without unlocking them", { workers: workerIds });
    }
    await sql`delete from worker_heartbeats where last_seen < now() - interval '1 day'`;
    return workerIds;
  };

  events.on("worker:create", ({ worker }) => {
    ids.add(worker.workerId);
    void beat().catch(() => {});
  });
  events.on("worker:stop", ({ worker }) => {
    ids.delete(worker.workerId);
    void sql`delete from worker_heartbeats where worker_id = ${worker.workerId}`.catch(() => {});
  });

  const report = (what: string) => (error: unknown) => logger.warn(`${what} failed`, { error: String(error) });
  const beatTimer = setInterval(() => void beat().catch(report("heartbeat")), heartbeatMs);
  const sweepTimer = setInterval(() => void sweep().catch(report("dead worker sweep")), heartbeatMs);
  beatTimer.unref();
  sweepTimer.unref();

  return {
    sweep,
    stop() {
      clearInterval(beatTimer);
      clearInterval(sweepTimer);
    },
  };
}
