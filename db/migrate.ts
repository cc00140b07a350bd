import { migrate } from "drizzle-orm/postgres-js/migrator";
import { runMigrations } from "graphile-worker";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createDb } from "./client";

const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), "migrations");

/** Applies the app's Drizzle migrations and installs/updates Graphile Worker's queue schema. */
export async function migrateDatabase(url: string, queueSchema = "graphile_worker"): Promise<void> {
  const { sql, db } = createDb(url, { max: 1 });
  try {
    await migrate(db, { migrationsFolder });
  } finally {
    await sql.end();
  }
  await runMigrations({ connectionString: url, schema: queueSchema });
}
