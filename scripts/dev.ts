/**
 * One command for the whole product: embedded Postgres and S3-compatible storage (unless configured
 * elsewhere), migrations, the worker and the web process. Ctrl-C / SIGTERM stops every child.
 *
 *   npm run dev            Next.js in development mode
 *   npm start              production build (built first if missing)
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { migrateDatabase } from "../db/migrate";
import { env as loadEnv } from "../lib/env";
import { ensureBaselineModel } from "../worker/model/baseline";
import { WORKER_GLIBC_TUNABLES, WORKER_NODE_FLAGS } from "../worker/model/session";
import { buildWorker } from "./build-worker";
import { startEmbeddedServices } from "./embedded/services";

const production = process.argv.includes("--production");
const root = path.resolve(import.meta.dirname, "..");
const env = loadEnv();
const log = (line: string) => console.log(`[pagewise] ${line}`);
const DEV_ADMIN_PASSWORD = "pagewise-admin";
const DEV_WEBHOOK_SECRET = "pagewise-local-webhook-secret";

const children: ChildProcess[] = [];
let services: Awaited<ReturnType<typeof startEmbeddedServices>> | undefined;
let stopping = false;

async function stopAll(code: number) {
  if (stopping) return;
  stopping = true;
  log("stopping…");
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const force = setTimeout(() => child.kill("SIGKILL"), 20_000);
          child.once("exit", () => {
            clearTimeout(force);
            resolve();
          });
          child.kill("SIGTERM");
        }),
    ),
  );
  await services?.stop();
  log("stopped");
  process.exit(code);
}

function start(name: string, args: string[], extraEnv: Record<string, string>) {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...extraEnv },
    stdio: ["ignore", "inherit", "inherit"],
  });
  children.push(child);
  child.on("exit", (code, signal) => {
    if (!stopping) {
      log(`${name} exited (${signal ?? code}); stopping everything`);
      void stopAll(code || 1);
    }
  });
  return child;
}

async function main() {
  process.on("SIGINT", () => void stopAll(0));
  process.on("SIGTERM", () => void stopAll(0));
  // The embedded S3 store runs in this process: whatever escapes it stops the whole product, loudly, rather than
  // leaving web and worker up against a store that is gone.
  for (const event of ["uncaughtException", "unhandledRejection"] as const) {
    process.on(event, (error: unknown) => {
      console.error(`[pagewise] ${event}:`, error);
      void stopAll(1);
    });
  }

  const origins = [`http://localhost:${env.PORT}`, `http://127.0.0.1:${env.PORT}`];
  services = await startEmbeddedServices(env, { dataDir: path.resolve(root, env.DATA_DIR), webOrigins: origins, log });
  // As in the Dockerfile: a self-hosted product does not report to Next.js's telemetry service.
  const childEnv: Record<string, string> = { ...services.env, NODE_ENV: production ? "production" : "development", NEXT_TELEMETRY_DISABLED: "1" };
  if (!env.ADMIN_PASSWORD) {
    childEnv.ADMIN_PASSWORD = DEV_ADMIN_PASSWORD;
    log(`admin password (local default, set ADMIN_PASSWORD to change): ${DEV_ADMIN_PASSWORD}`);
  }
  // This launcher is the local setup, production build included: the home page takes uploads without a key
  // and webhooks are signed with a local secret unless these are set.
  if (env.ANONYMOUS_UPLOADS === undefined) childEnv.ANONYMOUS_UPLOADS = "true";
  if (!env.WEBHOOK_SECRET) childEnv.WEBHOOK_SECRET = DEV_WEBHOOK_SECRET;
  const databaseUrl = services.env.DATABASE_URL ?? env.DATABASE_URL!;
  await migrateDatabase(databaseUrl, env.QUEUE_SCHEMA);
  log("database migrated");
  if (path.resolve(root, env.MODEL_DIR) === path.join(root, "models", "baseline")) await ensureBaselineModel();

  const next = path.join(root, "node_modules", "next", "dist", "bin", "next");
  if (production && !existsSync(path.join(root, ".next", "BUILD_ID"))) {
    log("no production build yet: running next build");
    await new Promise<void>((resolve, reject) => {
      const build = spawn(process.execPath, [next, "build"], { cwd: root, stdio: "inherit", env: { ...process.env, ...childEnv } });
      build.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`next build failed (${code})`))));
    });
  }
  // Production runs the worker bundle, as deployed (scripts/build-worker.ts); development runs its
  // TypeScript on Node's own type stripping (worker/resolve-ts.ts). Both under the worker's malloc settings and Node flags.
  const workerArgs = [...WORKER_NODE_FLAGS, ...(production ? [path.join(await buildWorker(), "index.mjs")] : ["--import", "./worker/resolve-ts.ts", "worker/index.ts"])];
  start("worker", workerArgs, { ...childEnv, GLIBC_TUNABLES: WORKER_GLIBC_TUNABLES });
  start("web", [next, production ? "start" : "dev", "-p", String(env.PORT)], childEnv);
  log(`Pagewise is starting at http://localhost:${env.PORT} (admin: /admin)`);
}

main().catch((error: unknown) => {
  console.error(`[pagewise] ${error instanceof Error ? error.message : String(error)}`);
  void stopAll(1);
});
