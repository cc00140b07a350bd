import { spawn } from "node:child_process";

/** Runs a command to its end; its output goes to ours. Rejects, naming the command, when it fails. */
export function run(command: string, args: string[], opts: { input?: NodeJS.ReadableStream; cwd?: string } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, stdio: [opts.input ? "pipe" : "ignore", "inherit", "inherit"] });
    if (opts.input) opts.input.pipe(child.stdin!);
    child.on("error", reject);
    child.on("exit", (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(" ")} failed (${signal ?? code})`)),
    );
  });
}

/** Runs a command and returns its standard output (trimmed); rejects with its standard error when it fails. */
export function capture(command: string, args: string[], opts: { cwd?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve(out.trim()) : reject(new Error(`${command} ${args.join(" ")} failed (${code}): ${err.trim()}`)),
    );
  });
}

/** Whether a command exits 0 (its output is discarded). */
export function succeeds(command: string, args: string[]): Promise<boolean> {
  return capture(command, args).then(
    () => true,
    () => false,
  );
}
