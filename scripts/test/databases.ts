import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { migrateDatabase } from "../../db/migrate";
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from "../embedded/postgres";
import { startLocalS3, type LocalS3 } from "../local-s3/server";
import { LOCAL_S3_CREDENTIALS } from "../embedded/services";
import { freePort } from "./ports";

/**
 * A migrated database of its own in the test Postgres, for tests whose worker would otherwise act on other
 * test files' rows (the `uploads__expire` task fails every overdue upload it can see).
 */
export async function createTestDatabase(name: string): Promise<{ url: string; drop(): Promise<void> }> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
  const url = new URL(process.env.DATABASE_URL!);
  const admin = postgres(url.href, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const own = new URL(url.href);
  own.pathname = `/${name}`;
  await migrateDatabase(own.href);
  return {
    url: own.href,
    async drop() {
      const sql = postgres(url.href, { max: 1, onnotice: () => {} });
      await sql.unsafe(`drop database if exists ${name} with (force)`).finally(() => sql.end());
    },
  };
}

/** An embedded Postgres of the test's own, which it may stop and start again on the same port and data. */
export async function dedicatedPostgres() {
  const dir = await mkdtemp(path.join(os.tmpdir(), "pagewise-pg-own-"));
  await chmod(dir, 0o755); // the embedded Postgres runs as its own user when we are root
  const port = await freePort();
  const dataDir = path.join(dir, "pg");
  let handle: EmbeddedPostgresHandle | undefined = await startEmbeddedPostgres({ dataDir, port });
  const url = handle.url;
  await migrateDatabase(url);
  return {
    url,
    port,
    async stop() {
      await handle?.stop();
      handle = undefined;
    },
    async start() {
      handle ??= await startEmbeddedPostgres({ dataDir, port });
    },
    async remove() {
      await handle?.stop().catch(() => {});
      handle = undefined;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A local S3-compatible store of the test's own, which it may stop and start again on the same port and data. */
export async function dedicatedS3(bucket = "pagewise") {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "pagewise-s3-own-"));
  const port = await freePort();
  const options = { dataDir, port, bucket, ...LOCAL_S3_CREDENTIALS, corsOrigins: ["*"] };
  let store: LocalS3 | undefined = await startLocalS3(options);
  return {
    /** Variables that point web and worker at this store. */
    env: {
      S3_ENDPOINT: store.endpoint,
      S3_FORCE_PATH_STYLE: "true",
      S3_BUCKET: bucket,
      S3_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
      S3_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
    },
    async stop() {
      await store?.close();
      store = undefined;
    },
    async start() {
      store ??= await startLocalS3(options);
    },
    async remove() {
      await store?.close().catch(() => {});
      store = undefined;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
