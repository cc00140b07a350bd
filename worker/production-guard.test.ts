import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { LOCAL_S3_CREDENTIALS } from "../lib/env";

/** Both entry points refuse to start in production with development settings, naming each problem. */
const root = path.resolve(import.meta.dirname, "..");
const productionWithLocalKey: Record<string, string> = {
  NODE_ENV: "production",
  DATABASE_URL: "postgres://pagewise:x@127.0.0.1:1/pagewise",
  S3_ENDPOINT: "http://s3.internal.example:9000",
  S3_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
  S3_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
  ADMIN_PASSWORD: "short",
};

describe("production start guard", () => {
  it("the worker entry exits with the problems before it connects to anything", async () => {
    const child = spawn(process.execPath, ["--import", "./worker/resolve-ts.ts", "worker/index.ts"], {
      cwd: root,
      env: { PATH: process.env.PATH, ...productionWithLocalKey, NODE_ENV: "production" as const, LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).toBe(1);
    expect(output).toMatch(/Refusing to start in production/);
    expect(output).toMatch(/S3_ACCESS_KEY_ID is the embedded store's dummy key/);
    expect(output).toMatch(/ADMIN_PASSWORD is shorter than 12 characters/);
    expect(output).not.toMatch(/worker ready/);
  }, 60_000);

  it("the web process's instrumentation hook throws the problems, and passes with production settings", async () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, productionWithLocalKey, { NEXT_RUNTIME: "nodejs" });
      vi.resetModules();
      const refusing = await import("../instrumentation");
      await expect(refusing.register()).rejects.toThrow(/Refusing to start in production:\n- .*dummy key\n- ADMIN_PASSWORD is shorter/);

      Object.assign(process.env, { S3_ACCESS_KEY_ID: "AKIAEXAMPLE", S3_SECRET_ACCESS_KEY: "secret", ADMIN_PASSWORD: "a long enough password", WEBHOOK_SECRET: "a long enough webhook secret" });
      vi.resetModules();
      const fine = await import("../instrumentation");
      await expect(fine.register()).resolves.toBeUndefined();
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
      vi.resetModules();
    }
  });
});
