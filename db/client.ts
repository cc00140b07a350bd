import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { env } from "../lib/env";
import * as schema from "./schema";

export function createDb(url: string, options: { max?: number } = {}) {
  const sql = postgres(url, { max: options.max ?? 10, onnotice: () => {}, idle_timeout: 60 });
  return { sql, db: drizzle(sql, { schema }) };
}

export type Db = ReturnType<typeof createDb>["db"];
export type Sql = ReturnType<typeof createDb>["sql"];

const globalForDb = globalThis as unknown as { pagewiseDb?: ReturnType<typeof createDb> };

/** The process-wide connection pool, created on first use from the validated configuration. */
export function database(): ReturnType<typeof createDb> {
  if (!globalForDb.pagewiseDb) {
    const url = env().DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is not set: start Pagewise with `npm run dev` or set it to a Postgres URL");
    globalForDb.pagewiseDb = createDb(url);
  }
  return globalForDb.pagewiseDb;
}
