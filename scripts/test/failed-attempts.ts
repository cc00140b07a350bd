import type { Sql } from "postgres";

export type FailedAttempt = { jobId: string; task: string; attempts: number; lastError: string };

/**
 * Records every failed job attempt in the queue schema's database, where Graphile Worker writes it: a
 * trigger copies each `last_error` it sets on a job into `pagewise_failed_attempts`, so attempts of jobs that
 * succeeded later (and were deleted on completion) still count, whichever worker process ran them.
 */
export async function recordFailedAttempts(sql: Sql, queueSchema: string) {
  if (!/^[a-z_][a-z0-9_]*$/.test(queueSchema)) throw new Error(`bad queue schema ${queueSchema}`);
  await sql.unsafe(`
    create table if not exists pagewise_failed_attempts (job_id bigint, task text, attempts int, last_error text, at timestamptz default now());
    create or replace function ${queueSchema}.pagewise_record_failed_attempt() returns trigger language plpgsql as $$
    begin
      insert into pagewise_failed_attempts (job_id, task, attempts, last_error)
      select new.id, t.identifier, new.attempts, new.last_error from ${queueSchema}._private_tasks t where t.id = new.task_id;
      return new;
    end $$;
    create or replace trigger pagewise_record_failed_attempt after update of last_error on ${queueSchema}._private_jobs
      for each row when (new.last_error is not null) execute function ${queueSchema}.pagewise_record_failed_attempt();
  `);
  return {
    async list(): Promise<FailedAttempt[]> {
      const rows = await sql<{ job_id: string; task: string; attempts: number; last_error: string }[]>`
        select job_id::text, task, attempts, last_error from pagewise_failed_attempts order by at`;
      return rows.map((r) => ({ jobId: r.job_id, task: r.task, attempts: r.attempts, lastError: r.last_error }));
    },
  };
}
