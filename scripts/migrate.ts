import { migrateDatabase } from "../db/migrate";
import { env } from "../lib/env";

/** `npm run db:migrate`: the Heroku release phase runs this before new processes start. */
const { DATABASE_URL: url, QUEUE_SCHEMA } = env();
if (!url) {
  console.error("DATABASE_URL is not set");
  process.exit(1);
}
await migrateDatabase(url, QUEUE_SCHEMA);
console.log("database migrated (app schema + graphile_worker)");
