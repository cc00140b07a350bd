import { Logger as GraphileLogger } from "graphile-worker";
import type { Logger } from "../lib/logger";

/** Routes Graphile Worker's own log lines through our logger, keeping its job/worker scope fields. */
export function graphileLogger(logger: Logger): GraphileLogger {
  return new GraphileLogger((scope) => (level, message, meta) => {
    const fields = { ...scope, ...(meta ?? {}) } as Record<string, unknown>;
    const method = level === "error" ? "error" : level === "warning" ? "warn" : level === "debug" ? "debug" : "info";
    logger[method](message, { graphile: true, ...pick(fields, ["workerId", "taskIdentifier", "jobId"]) });
  });
}

function pick(source: Record<string, unknown>, keys: string[]) {
  return Object.fromEntries(keys.filter((k) => source[k] !== undefined).map((k) => [k, source[k]]));
}
