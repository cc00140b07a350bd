import { env as loadEnv, productionProblems } from "../lib/env";
import { createLogger } from "../lib/logger";
import { startWorker } from "./start";
import { isConnectionError } from "./tasks/retry";

const logger = createLogger("worker");

// Graphile Worker completes and fails jobs without awaiting the write; while Postgres is unreachable that
// promise rejects with nobody to catch it, which would end the process. The job it concerned is released
// again by the liveness sweep. Any other unhandled rejection still ends the process, as Node would.
process.on("unhandledRejection", (reason) => {
  if (isConnectionError(reason)) {
    logger.error("a database write was lost while the database was unreachable", { error: String(reason) });
    return;
  }
  logger.error("unhandled rejection", { error: reason instanceof Error ? (reason.stack ?? reason.message) : String(reason) });
  process.exit(1);
});

async function main() {
  const env = loadEnv();
  if (env.NODE_ENV === "production") {
    const problems = productionProblems(env);
    if (problems.length) throw new Error(`Refusing to start in production:\n- ${problems.join("\n- ")}`);
  }
  const worker = await startWorker({ env, logger });
  logger.info("worker ready", { concurrency: env.WORKER_CONCURRENCY, pid: process.pid });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("stopping: finishing current jobs", { signal });
    await worker.stop().catch((error: unknown) => logger.error("unclean stop", { error: String(error) }));
    logger.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  await worker.runner.promise;
}

main().catch((error: unknown) => {
  logger.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
