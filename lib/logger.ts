import { env } from "./env";

type Level = "debug" | "info" | "warn" | "error";
const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type Logger = {
  debug(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
  scope(fields: Record<string, unknown>): Logger;
};

/** A small structured logger: one line per entry, scope fields (job id, document id) carried along. */
export function createLogger(name: string, fields: Record<string, unknown> = {}): Logger {
  const threshold = order[env().LOG_LEVEL];
  const write = (level: Level, message: string, meta?: Record<string, unknown>) => {
    if (order[level] < threshold) return;
    const context = { ...fields, ...meta };
    const suffix = Object.keys(context).length
      ? " " + Object.entries(context).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join(" ")
      : "";
    const line = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} [${name}] ${message}${suffix}`;
    (level === "error" || level === "warn" ? process.stderr : process.stdout).write(line + "\n");
  };
  return {
    debug: (m, meta) => write("debug", m, meta),
    info: (m, meta) => write("info", m, meta),
    warn: (m, meta) => write("warn", m, meta),
    error: (m, meta) => write("error", m, meta),
    scope: (more) => createLogger(name, { ...fields, ...more }),
  };
}
