import { makeWorkerUtils, type WorkerUtils } from "graphile-worker";
import { createDb } from "../../db/client";
import { parseEnv, type Env } from "../../lib/env";
import { createStorage } from "../../lib/s3";

/** What integration tests share: the services the global setup started, reached like the app does. */
export function testContext(overrides: Record<string, string> = {}) {
  const env: Env = parseEnv({ ...process.env, ...overrides });
  const { db, sql } = createDb(env.DATABASE_URL!, { max: 5 });
  const storage = createStorage(env);
  let queue: WorkerUtils | undefined;
  return {
    env,
    db,
    sql,
    storage,
    async queue() {
      if (!queue) {
        queue = await makeWorkerUtils({ connectionString: env.DATABASE_URL!, schema: env.QUEUE_SCHEMA });
        await queue.migrate();
      }
      return queue;
    },
    async close() {
      await queue?.release();
      await sql.end({ timeout: 5 });
      storage.client.destroy();
    },
  };
}

/** Polls until `check` returns a value (not a fixed sleep): the condition, not the clock, ends the wait. */
export async function waitFor<T>(check: () => Promise<T | null | undefined | false>, opts: { timeoutMs?: number; what?: string } = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${opts.what ?? "condition"}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
