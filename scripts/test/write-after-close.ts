/**
 * `node scripts/test/write-after-close.ts <url>`: the crash of porsager/postgres#1208, in a process of its
 * own. A reserved connection's backend is terminated, then it is queried. Prints how the query ended;
 * unpatched, the process dies with "Cannot read properties of null (reading 'write')".
 */
import postgres from "postgres";

const url = process.argv[2]!;
const sql = postgres(url, { max: 1, onnotice: () => {} });
const reserved = await sql.reserve();
const [row] = await reserved<{ pid: number }[]>`select pg_backend_pid() as pid`;
const pid = row!.pid;
const killer = postgres(url, { max: 1 });
await killer`select pg_terminate_backend(${pid})`;
await killer.end();
await new Promise((resolve) => setTimeout(resolve, 200));
const outcome = await reserved`select 1`.then(
  () => "resolved",
  (error: { code?: string }) => `rejected ${error.code}`,
);
console.log(`query on the closed connection: ${outcome}`);
reserved.release();
await sql.end({ timeout: 1 });
