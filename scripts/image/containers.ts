import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import path from "node:path";
import { capture, run } from "./run-command";

/**
 * A process of the image, as a Heroku dyno runs it: its own container made from the image, the command
 * through `sh -c`. `buildah run --isolation chroot` because `podman run` cannot start containers on this
 * project's machines; chroot isolation leaves the host's network namespace shared, so loopback services
 * are reachable from inside and the web port from outside (checked by `describeProcesses`).
 */
export type ImageProcess = { name: string; container: string; child: ChildProcess; exited: Promise<number | string> };

const runArgs = (container: string, env: Record<string, string>, command: string) => [
  "run",
  "--isolation",
  "chroot",
  ...Object.entries(env).flatMap(([k, v]) => ["--env", `${k}=${v}`]),
  container,
  "--",
  "sh",
  "-c",
  command,
];

export async function newContainer(image: string, name: string) {
  await capture("buildah", ["rm", name]).catch(() => {});
  return capture("buildah", ["from", "--pull-never", "--name", name, image]);
}

/** Runs a one-off command of the image to its end (the release phase); rejects when it fails. */
export async function runToEnd(image: string, name: string, env: Record<string, string>, command: string) {
  const container = await newContainer(image, name);
  try {
    await run("buildah", runArgs(container, env, command));
  } finally {
    await capture("buildah", ["rm", container]).catch(() => {});
  }
}

/** Starts a long-running process of the image; its output is printed with `[name]` before each line. */
export async function start(image: string, name: string, env: Record<string, string>, command: string): Promise<ImageProcess> {
  const container = await newContainer(image, `pagewise-image-test-${name}`);
  const child = spawn("buildah", runArgs(container, env, command), { stdio: ["ignore", "pipe", "pipe"] });
  for (const stream of [child.stdout!, child.stderr!]) {
    let rest = "";
    stream.on("data", (d: Buffer) => {
      const lines = (rest + d.toString()).split("\n");
      rest = lines.pop()!;
      for (const line of lines) console.log(`[${name}] ${line}`);
    });
  }
  const exited = new Promise<number | string>((resolve) => child.on("exit", (code, signal) => resolve(signal ?? code ?? -1)));
  return { name, container, child, exited };
}

/**
 * Stops a process the way a dyno is stopped: SIGTERM to the app's processes (not to buildah, which would
 * SIGKILL them), SIGKILL after a grace period; removes its container. Returns how buildah ended.
 */
export async function stop(p: ImageProcess, graceMs = 20_000) {
  for (const { pid } of nodeProcesses(p)) signal(pid, "SIGTERM");
  const killed = setTimeout(() => {
    for (const pid of [...descendants(p.child.pid!), p.child.pid!]) signal(pid, "SIGKILL");
  }, graceMs);
  const how = await p.exited;
  clearTimeout(killed);
  await capture("buildah", ["rm", p.container]).catch(() => {});
  return how;
}

const signal = (pid: number, sig: NodeJS.Signals) => {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
};

/** Ids of every process below `root` (read from /proc). */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name is in parentheses and may hold spaces: the parent id is the 2nd field after it.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // exited while we looked
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    for (const c of children.get(pid) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(root);
  return out;
}

export type ProcessInfo = { pid: number; command: string; uids: number[]; hostNetwork: boolean };

/** The `node` processes an image process runs: user ids (real, effective, saved, fs) and whether they share our network namespace. */
export function nodeProcesses(p: ImageProcess): ProcessInfo[] {
  const ourNet = readlinkSync("/proc/self/ns/net");
  const out: ProcessInfo[] = [];
  for (const pid of descendants(p.child.pid!)) {
    try {
      // By its executable: Next.js renames its process title ("next-server"), which rewrites the command line.
      if (path.basename(readlinkSync(`/proc/${pid}/exe`)) !== "node") continue;
      const command = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
      const uidLine = /^Uid:\s+(.+)$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]!;
      out.push({ pid, command, uids: uidLine.trim().split(/\s+/).map(Number), hostNetwork: readlinkSync(`/proc/${pid}/ns/net`) === ourNet });
    } catch {
      // exited while we looked
    }
  }
  return out;
}
