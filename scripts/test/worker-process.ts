import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");

/**
 * Real worker processes (worker/index.ts through the TypeScript resolver) for a test: each started with the
 * test's environment plus `env`, its stdout and stderr kept; `killAll` ends whatever is still running.
 */
export function workerProcesses() {
  const children: ChildProcess[] = [];
  return {
    start(env: Record<string, string>) {
      const child = spawn(process.execPath, ["--import", "./worker/resolve-ts.ts", "worker/index.ts"], {
        cwd: root,
        env: { ...process.env, WORKER_DEAD_AFTER_MS: "3000", LOG_LEVEL: "info", NODE_ENV: "test", ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
      child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
      children.push(child);
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      return { child, exited, output: () => output, stop: async () => (child.kill("SIGTERM"), await exited) };
    },
    killAll() {
      for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    },
  };
}
