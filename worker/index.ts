import { env as loadEnv, productionProblems } from "../lib/env";
import { createLogger } from "../lib/logger";
import { startWorker } from "./start";

const logger = createLogger("worker");

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
