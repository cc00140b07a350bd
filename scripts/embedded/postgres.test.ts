import { spawnSync } from "node:child_process";
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../test/ports";
import { startEmbeddedPostgres } from "./postgres";

describe("embedded Postgres", () => {
  let dir: string;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("recovers from the stale postmaster.pid a killed run leaves behind", async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "pagewise-pg-"));
    await chmod(dir, 0o755);
    const port = await freePort();
    const first = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg"), port });
    const pid = Number((await readFile(path.join(dir, "pg", "postmaster.pid"), "utf8")).split("\n")[0]);
    // What a crash or `kill -9` of the dev command does: the postmaster dies without cleaning up.
    spawnSync("kill", ["-9", String(pid)]);
    await expect.poll(() => { try { process.kill(pid, 0); return true; } catch { return false; } }).toBe(false);
    void first;

    const lines: string[] = [];
    const second = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg"), port, log: (l) => lines.push(l) });
    expect(lines.join("\n")).toMatch(/stale .*postmaster\.pid/);
    const sql = postgres(second.url, { max: 1 });
    expect((await sql`select 1 as one`)[0]).toEqual({ one: 1 });
    await sql.end();
    await second.stop();
  });

  it("says why when it cannot start instead of rejecting with undefined", async () => {
    const occupied = await mkdtemp(path.join(os.tmpdir(), "pagewise-pg-"));
    await chmod(occupied, 0o755);
    const port = await freePort();
    const a = await startEmbeddedPostgres({ dataDir: path.join(occupied, "a"), port });
    try {
      await expect(startEmbeddedPostgres({ dataDir: path.join(occupied, "b"), port })).rejects.toThrow(/failed to start on port/);
    } finally {
      await a.stop();
      await rm(occupied, { recursive: true, force: true });
    }
  });
});
