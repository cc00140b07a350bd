/**
 * `postinstall`: patches postgres.js 3.4.x (porsager/postgres#1154, #1208, unmerged fixes #1168, #1209).
 * A small write is flushed from a setImmediate; when the connection has closed by then, `nextWrite` calls
 * `socket.write` on null and throws outside any promise, which ends the process: the worker died this way
 * when Postgres restarted under it (worker/faults-postgres.test.ts). The guard rejects the pending queries
 * with CONNECTION_CLOSED instead, and teardown forgets the buffered write so a reconnected socket starts
 * clean. Idempotent; a version that no longer has the code is left alone, with a note.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const MARK = "pagewise: postgres.js closed-socket guard";
const root = path.resolve(import.meta.dirname, "..", "..", "node_modules", "postgres");

const edits: [from: string, to: string][] = [
  [
    "  function nextWrite(fn) {\n    const x = socket.write(chunk, fn)\n",
    `  function nextWrite(fn) {\n    if (!socket) { // ${MARK}\n      nextWriteTimer !== null && clearImmediate(nextWriteTimer)\n      chunk = nextWriteTimer = null\n      error(Errors.connection('CONNECTION_CLOSED', options))\n      return false\n    }\n    const x = socket.write(chunk, fn)\n`,
  ],
  // terminate() and closed(): drop the write buffered for the socket that is gone.
  ["    clearImmediate(nextWriteTimer)\n", "    clearImmediate(nextWriteTimer), chunk = nextWriteTimer = null\n"],
];

for (const build of ["src", "cjs/src", "cf/src"]) {
  const file = path.join(root, build, "connection.js");
  if (!existsSync(file)) continue;
  const source = readFileSync(file, "utf8");
  if (source.includes(MARK)) continue;
  if (!edits.every(([from]) => source.includes(from))) {
    console.warn(`[postinstall] ${path.relative(process.cwd(), file)}: not the postgres.js code this patch is for; left as it is`);
    continue;
  }
  writeFileSync(file, edits.reduce((text, [from, to]) => text.replaceAll(from, to), source));
  console.log(`[postinstall] patched ${path.relative(process.cwd(), file)} (closed-socket guard)`);
}
