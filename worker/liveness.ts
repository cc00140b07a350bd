import type { WorkerEvents } from "graphile-worker";
import os from "node:os";
import type { Sql } from "../db/client";
import type { Logger } from "../lib/logger";

/**
 * Records a heartbeat for each of this process's worker pools (Graphile Worker locks jobs with the pool's id)
 * and, at start and periodically, releases jobs locked by pools (here or on other machines) whose heartbeat
 * stopped, and jobs this process no longer runs but whose release was lost (see `orphans`).
 */
export function trackLiveness(opts: { sql: Sql; events: WorkerEvents; queueSchema: string; deadAfterMs: number; logger: Logger; models?: readonly string[] }) {
  const { sql, events, logger, deadAfterMs } = opts;
  const heartbeatMs = Math.min(10_000, Math.floor(deadAfterMs / 3));
  const schema = sql(opts.queueSchema);
  const ids = new Set<string>();
  /** Jobs this process's workers are running, and for a while after, while Graphile Worker releases them. */
  const running = new Set<string>();
  const host = os.hostname();
  const models = [...(opts.models ?? [])];

  const beat = async () => {
    if (!ids.size) return;
    const list = [...ids];
    await sql`
      insert into worker_heartbeats (worker_id, hostname, pid, last_seen, models)
      select id, ${host}, ${process.pid}, now(), ${models}::text[] from unnest(${list}::text[]) as id
      on conflict (worker_id) do update set last_seen = now(), models = excluded.models`;
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
    await orphans();
    return workerIds;
  };

  /**
   * Graphile Worker completes or fails a job without awaiting it; when Postgres is down at that moment the
   * write is lost (worker/index.ts keeps that from killing the process) and the job stays locked by our
   * live pool, which no other sweep would ever release. It is unlocked here and runs again.
   */
  const orphans = async () => {
    if (!ids.size) return;
    const rows = await sql<{ id: string }[]>`
      select j.id::text as id from ${schema}.jobs j
      where j.locked_by = any(${[...ids]}::text[])
        and j.locked_at < now() - ${`${deadAfterMs} milliseconds`}::interval
        and not (j.id::text = any(${[...running]}::text[]))`;
    if (!rows.length) return;
    const jobIds = rows.map((r) => r.id);
    await sql`
      update ${schema}._private_jobs set locked_by = null, locked_at = null
      where id = any(${jobIds}::bigint[]) and locked_by = any(${[...ids]}::text[])`;
    logger.warn("released jobs whose completion was lost while the database was unreachable", { jobs: jobIds });
  };

  events.on("pool:create", ({ workerPool }) => {
    ids.add(workerPool.id);
    void beat().catch(() => {});
  });
  events.on("pool:release", ({ workerPool }) => {
    ids.delete(workerPool.id);
    void sql`delete from worker_heartbeats where worker_id = ${workerPool.id}`.catch(() => {});
  });
  events.on("job:start", ({ job }) => void running.add(job.id));
  events.on("job:complete", ({ job }) => {
    setTimeout(() => running.delete(job.id), deadAfterMs).unref();
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
