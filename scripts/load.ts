/**
 * `npx tsx scripts/load.ts [--docs 50] [--clients 200]`: a loopback load test (a script, not a timed test).
 * Starts the whole product (production build, embedded services, real worker), creates the uploads at once,
 * holds `clients` SSE connections while the worker runs, polls the admin document list, and reports its
 * p50/p95 latency and the web process's RSS, checking nothing was lost. Traffic stays on 127.0.0.1.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { streamEventSchema } from "../lib/api-types";
import { buildDocument } from "./fixtures/test-pdf";
import { freePort } from "./test/ports";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const DOCS = arg("docs", 50);
const CLIENTS = arg("clients", 200);
const PAGES = 3;
const DEADLINE_MS = 20 * 60_000;
const ADMIN_PASSWORD = "load-test-admin-password";
const root = path.resolve(import.meta.dirname, "..");
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? NaN;

function nextServerRss(): number {
  let total = 0;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith("next-server")) continue;
      total += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]) / 1024;
    } catch {
      // gone
    }
  }
  return total;
}

/** Reads a document's SSE stream until it ends, collecting the pages seen done (snapshot or events). */
async function watch(base: string, id: string, signal: AbortSignal): Promise<Set<number>> {
  const done = new Set<number>();
  const res = await fetch(`${base}/api/documents/${id}/events`, { signal });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { done: end, value } = await reader.read();
    if (end) return done;
    buffer += decoder.decode(value, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (!data) continue;
      const event = streamEventSchema.parse(JSON.parse(data));
      if (event.type === "snapshot") for (const p of event.pages) if (p.status === "done") done.add(p.pageNumber);
      if (event.type === "page" && event.page.status === "done") done.add(event.page.pageNumber);
    }
  }
}

async function main() {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const product = spawn(process.execPath, ["--import", "tsx", "scripts/dev.ts", "--production"], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      EMBEDDED_PG_PORT: String(await freePort()),
      EMBEDDED_S3_PORT: String(await freePort()),
      DATA_DIR: path.join(os.tmpdir(), `pagewise-load-${Date.now()}`),
      ADMIN_PASSWORD,
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "inherit", "inherit"],
    detached: true,
  });
  const stop = () => {
    try {
      process.kill(-product.pid!, "SIGTERM");
    } catch {
      // already gone
    }
  };
  process.on("exit", stop);
  try {
    for (let i = 0; ; i++) {
      if (i > 600) throw new Error("the product did not come up");
      const ok = await fetch(`${base}/api/health`).then((r) => r.ok).catch(() => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const login = await fetch(`${base}/api/admin/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ password: ADMIN_PASSWORD }) });
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;

    const bytes = buildDocument(PAGES);
    const started = performance.now();
    const ids = await Promise.all(
      Array.from({ length: DOCS }, async (_, i) => {
        const created = await fetch(`${base}/api/uploads`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ filename: `load-${i}.pdf`, sizeBytes: bytes.length, contentType: "application/pdf" }),
        });
        const { document, upload } = (await created.json()) as { document: { id: string }; upload: { url: string; headers: Record<string, string> } };
        const put = await fetch(upload.url, { method: "PUT", headers: upload.headers, body: new Uint8Array(bytes) });
        if (!put.ok) throw new Error(`PUT ${put.status}`);
        await fetch(`${base}/api/documents/${document.id}/complete`, { method: "POST" });
        return document.id;
      }),
    );
    const uploadMs = performance.now() - started;

    const abort = AbortSignal.timeout(DEADLINE_MS);
    const watchers = Array.from({ length: CLIENTS }, (_, c) => {
      const id = ids[c % ids.length]!;
      return watch(base, id, abort).then((seen) => ({ id, seen }));
    });
    const latencies: number[] = [];
    const rss: number[] = [];
    let finished = false;
    const poller = (async () => {
      while (!finished) {
        const t = performance.now();
        const res = await fetch(`${base}/api/documents?pageSize=50`, { headers: { cookie } });
        await res.arrayBuffer();
        latencies.push(performance.now() - t);
        rss.push(nextServerRss());
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const results = await Promise.all(watchers);
    finished = true;
    await poller;
    const totalMs = performance.now() - started;

    const docs = await Promise.all(ids.map(async (id) => (await (await fetch(`${base}/api/documents/${id}`)).json()) as { document: { status: string; pagesDone: number } }));
    const incompleteDocs = docs.filter((d) => d.document.status !== "done" || d.document.pagesDone !== PAGES).length;
    const clientsMissingPages = results.filter((r) => r.seen.size !== PAGES).length;
    const report = {
      docs: DOCS,
      clients: CLIENTS,
      pagesPerDoc: PAGES,
      uploadAllMs: Math.round(uploadMs),
      totalMs: Math.round(totalMs),
      listRequests: latencies.length,
      listP50Ms: Math.round(pct(latencies, 50)),
      listP95Ms: Math.round(pct(latencies, 95)),
      webRssMiBMax: Math.round(Math.max(...rss)),
      webRssMiBLast: Math.round(rss.at(-1) ?? NaN),
      incompleteDocs,
      clientsMissingPages,
    };
    console.log(JSON.stringify(report));
    if (incompleteDocs || clientsMissingPages) process.exitCode = 1;
  } finally {
    stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
