import { spawn } from "node:child_process";
import path from "node:path";

/** Node flags that let a child process run this repository's TypeScript (the worker's resolver). */
export const RUNTIME = ["--import", path.resolve(import.meta.dirname, "..", "worker", "resolve-ts.ts")];

/**
 * Runs `script` again in a fresh Node process (one measurement per process: nothing one run allocated stays for
 * the next) and resolves with the JSON of the last line it prints; `what` names it in the error otherwise.
 */
export function runChildForJson<T>(script: string, args: string[], env: NodeJS.ProcessEnv, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...RUNTIME, script, ...args], { env, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    proc.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    proc.on("error", reject);
    proc.on("close", (code) => {
      const line = out.trim().split("\n").pop() ?? "";
      if (code !== 0 || !line.startsWith("{")) reject(new Error(`${what} exited ${code}: ${out.slice(-500)}`));
      else resolve(JSON.parse(line) as T);
    });
  });
}
