import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { afterAll, expect, it } from "vitest";
import { createDb } from "./client";

/**
 * The runs migration on a database that has documents: it is brought to the migration before runs (0004),
 * filled the way the app filled it then, and migrated on; the document's detections become run 1's.
 */
const NAME = "runs_migration_test";
const migrations = path.join(import.meta.dirname, "migrations");
let tmp: string | undefined;
const base = new URL(process.env.DATABASE_URL!);
const own = new URL(base.href);
own.pathname = `/${NAME}`;

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
  const admin = postgres(base.href, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${NAME} with (force)`).finally(() => admin.end());
});

/** The migrations folder as it was up to and including `lastTag`. */
async function migrationsUpTo(lastTag: string) {
  tmp = await mkdtemp(path.join(os.tmpdir(), "pagewise-migrations-"));
  await cp(migrations, tmp, { recursive: true });
  const journal = JSON.parse(await readFile(path.join(tmp, "meta", "_journal.json"), "utf8")) as { entries: { tag: string }[] };
  const at = journal.entries.findIndex((e) => e.tag === lastTag);
  expect(at, `${lastTag} is in the journal`).toBeGreaterThanOrEqual(0);
  journal.entries = journal.entries.slice(0, at + 1);
  await writeFile(path.join(tmp, "meta", "_journal.json"), JSON.stringify(journal));
  return tmp;
}

it("keeps existing documents, pages and detections as run 1 with the document's model", async () => {
  const admin = postgres(base.href, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${NAME} with (force)`);
  await admin.unsafe(`create database ${NAME}`);
  await admin.end();
  const { db, sql } = createDb(own.href, { max: 1 });
  try {
    await migrate(db, { migrationsFolder: await migrationsUpTo("0004_api_clients") });
    const [row] = await sql<{ exists: boolean }[]>`select to_regclass('runs') is not null as exists`;
    expect(row?.exists, "no runs table before the migration").toBe(false);

    const [doc] = await sql<{ id: string }[]>`
      insert into documents (filename, size_bytes, object_key, status, page_count, pages_done, pages_failed, model_id, model_name, model_version, model_kind, model_labels, started_at, finished_at)
      values ('old.pdf', 100, 'documents/x/source.pdf', 'done', 2, 1, 1, 'old-model', 'Old model', '3', 'trained', '["Text","Table"]', now(), now())
      returning id`;
    const [queued] = await sql<{ id: string }[]>`insert into documents (filename, size_bytes, object_key, status) values ('new.pdf', 1, 'k', 'queued') returning id`;
    const [p1] = await sql<{ id: number }[]>`
      insert into pages (document_id, page_number, status, infer_ms, detection_count, attempts) values (${doc!.id}, 1, 'done', 42, 2, 1) returning id`;
    await sql`insert into pages (document_id, page_number, status, error_code, error_message, attempts) values (${doc!.id}, 2, 'failed', 'render_timeout', 'too slow', 2)`;
    await sql`insert into detections (page_id, document_id, class_index, label, score, x1, y1, x2, y2)
      values (${p1!.id}, ${doc!.id}, 0, 'Text', 0.9, 0.1, 0.1, 0.5, 0.2), (${p1!.id}, ${doc!.id}, 1, 'Table', 0.8, 0.1, 0.3, 0.9, 0.6)`;

    await migrate(db, { migrationsFolder: migrations });

    const runs = await sql`select document_id, number, status, model_id, model_name, model_version, model_kind, model_labels, pages_done, pages_failed from runs order by number`;
    expect(runs).toEqual([
      { document_id: doc!.id, number: 1, status: "done", model_id: "old-model", model_name: "Old model", model_version: "3", model_kind: "trained", model_labels: ["Text", "Table"], pages_done: 1, pages_failed: 1 },
    ]);
    expect(runs.some((r) => r.document_id === queued!.id), "a document that never ran has no run yet").toBe(false);
    const runPages = await sql`select page_number, status, infer_ms, detection_count, error_code, attempts from run_pages where document_id = ${doc!.id} and run_number = 1 order by page_number`;
    expect(runPages).toEqual([
      { page_number: 1, status: "done", infer_ms: 42, detection_count: 2, error_code: null, attempts: 1 },
      { page_number: 2, status: "failed", infer_ms: null, detection_count: null, error_code: "render_timeout", attempts: 2 },
    ]);
    const dets = await sql`select label, run_number from detections where document_id = ${doc!.id} order by label`;
    expect(dets).toEqual([
      { label: "Table", run_number: 1 },
      { label: "Text", run_number: 1 },
    ]);
    // The document row itself is untouched: its model fields still say what produced run 1.
    const [after] = await sql`select model_id, status, pages_done from documents where id = ${doc!.id}`;
    expect(after).toEqual({ model_id: "old-model", status: "done", pages_done: 1 });
  } finally {
    await sql.end();
  }
}, 60_000);
