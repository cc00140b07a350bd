import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..", "..");

describe("postgres.js closed-socket patch (postinstall)", () => {
  it("a query on a connection whose backend died is rejected with CONNECTION_CLOSED; the process lives on", () => {
    const run = spawnSync(process.execPath, [path.join(root, "scripts", "test", "write-after-close.ts"), process.env.DATABASE_URL!], {
      cwd: root,
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(run.stderr).not.toMatch(/reading 'write'/);
    expect(run.stdout).toContain("query on the closed connection: rejected CONNECTION_CLOSED");
    expect(run.status).toBe(0);
  });
});
