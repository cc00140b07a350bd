import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { migrateDatabase } from "../../db/migrate";
import { parseEnv } from "../../lib/env";
import { ensureBaselineModel } from "../../worker/model/baseline";
import { startEmbeddedServices } from "../embedded/services";
import { freePort } from "./ports";

/**
 * Vitest global setup: a throwaway embedded Postgres and local S3 store on free ports (unless
 * DATABASE_URL / S3_ENDPOINT point at real ones), migrated, with the baseline model built.
 * The variables are exported so every test process sees the same services.
 */
export default async function setup() {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "pagewise-test-"));
  await chmod(dataDir, 0o755); // the embedded Postgres runs as its own user when we are root
  const env = parseEnv({ ...process.env, NODE_ENV: "test" });
  const services = await startEmbeddedServices(env, {
    dataDir,
    webOrigins: ["*"],
    pgPort: await freePort(),
    s3Port: await freePort(),
    log: () => {},
  });
  Object.assign(process.env, services.env, { NODE_ENV: "test", LOG_LEVEL: process.env.LOG_LEVEL ?? "warn" });
  await migrateDatabase(process.env.DATABASE_URL!);
  await ensureBaselineModel();
  return async () => {
    await services.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
