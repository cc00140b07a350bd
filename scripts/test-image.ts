/**
 * `npm run test:image`: builds the deploy image from the Dockerfile and runs it the way Heroku's container
 * stack would (heroku.yml), against an embedded Postgres and the local S3 store started here on loopback:
 *
 *   1. the Dockerfile's base image: a local stand-in of the official one (scripts/image/stand-in-base.ts), cached;
 *   2. the image, built by podman from `git archive HEAD` (committed files only: nothing untracked or ignored);
 *   3. its size and each layer's size;
 *   4. heroku.yml's release command, then `web` and `worker`, each in its own container of the image;
 *   5. checks: /api/health ok; every node process runs as uid 1000 in the host's network namespace; a PDF
 *      uploaded through the web process (presigned PUT to the store, complete) is processed by the worker to
 *      done, with detections.
 *
 *   npm run test:image [-- --cache-dir /var/cache/pagewise-image] [-- --no-build]
 *
 * `--no-build` runs the image the last run built (localhost/pagewise:image-test) again.
 *
 * Needs root, podman, buildah and debootstrap (`apt-get install podman buildah debootstrap`).
 */
import { execFileSync, spawn } from "node:child_process";
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import YAML from "yaml";
import { z } from "zod";
import { createUploadResponseSchema, documentDetailSchema } from "../lib/api-types";
import { parseEnv } from "../lib/env";
import { startEmbeddedServices } from "./embedded/services";
import { buildPdf, standardLayoutPage } from "./fixtures/test-pdf";
import { nodeProcesses, runToEnd, start, stop, type ImageProcess } from "./image/containers";
import { capture, run } from "./image/run-command";
import { baseImageOf, ensureStandInBase } from "./image/stand-in-base";
import { freePort } from "./test/ports";

const root = path.resolve(import.meta.dirname, "..");
const IMAGE = "localhost/pagewise:image-test";
const NODE_UID = 1000;
const ADMIN_PASSWORD = "image-test-admin-password";
/** How long the web process may take to answer /api/health, and the worker to finish the document. */
const HEALTH_WAIT_MS = 120_000;
const DOCUMENT_WAIT_MS = 300_000;

/** The part of heroku.yml this test runs: a release command (string or list) and the process types. */
const herokuSchema = z.object({
  release: z.object({ image: z.literal("web"), command: z.union([z.string(), z.array(z.string()).min(1)]) }),
  run: z.object({ web: z.string().min(1), worker: z.string().min(1) }),
});

const { values: args } = parseArgs({
  options: {
    "cache-dir": { type: "string", default: "/var/cache/pagewise-image" },
    "no-build": { type: "boolean", default: false },
  },
});
const log = (line: string) => console.log(`[test:image] ${line}`);
const timings: [string, number][] = [];
async function timed<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await fn();
  timings.push([name, (performance.now() - started) / 1000]);
  return result;
}

async function buildImage() {
  const dockerfile = await readFile(path.join(root, "Dockerfile"), "utf8");
  const { ref, nodeVersion } = baseImageOf(dockerfile);
  await timed("base image", () => ensureStandInBase(ref, nodeVersion, { cacheDir: args["cache-dir"]!, log }));

  const head = await capture("git", ["rev-parse", "--short", "HEAD"], { cwd: root });
  const dirty = await capture("git", ["status", "--porcelain"], { cwd: root });
  if (dirty) log(`WARNING: uncommitted changes are NOT in the image: it is built from the commit ${head} (git archive HEAD)`);
  const context = await mkdtemp(path.join(os.tmpdir(), "pagewise-image-context-"));
  try {
    const archive = spawn("git", ["archive", "--format=tar", "HEAD"], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
    await run("tar", ["-x", "-C", context], { input: archive.stdout });
    log(`building ${IMAGE} from commit ${head}`);
    const build = (...extra: string[]) => run("podman", ["build", "--isolation", "chroot", "--pull=never", "--layers", ...extra, context]);
    await timed("image build", async () => {
      // The build stage tagged (and with it the deps stage, npm ci, it builds on), so that pruning below
      // keeps them as the cache of the next build.
      await build("--target", "build", "--tag", `${IMAGE}-build`);
      await build("--tag", IMAGE);
    });
    // Every build leaves the previous image and its build stage (~1.5 GB) untagged: without this the
    // machine's disk fills up run after run. Removes untagged images no tagged one builds on.
    log("podman image prune: removing untagged images (earlier builds)");
    await capture("podman", ["image", "prune", "--force"]);
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

async function printSizes() {
  const size = Number(await capture("podman", ["image", "inspect", "--format", "{{.Size}}", IMAGE]));
  log(`image ${IMAGE}: ${(size / 1e6).toFixed(0)} MB (uncompressed; the base is the local stand-in, not the official image)`);
  const historySchema = z.array(z.object({ size: z.number(), CreatedBy: z.string() }));
  const history = historySchema.parse(JSON.parse(await capture("podman", ["history", "--format", "json", IMAGE])));
  for (const { size: bytes, CreatedBy } of history) {
    if (bytes === 0) continue;
    const step = CreatedBy.replace(/^\/bin\/sh -c (#\(nop\) )?/, "").replace(/\s+/g, " ").slice(0, 110);
    console.log(`  ${(bytes / 1e6).toFixed(1).padStart(8)} MB  ${step}`);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a value, a process of the image exits, or the wait is over. */
async function waitFor<T>(what: string, ms: number, processes: ImageProcess[], check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  let exited: string | undefined;
  for (const p of processes) void p.exited.then((how) => (exited ??= `${p.name} exited (${how})`));
  for (;;) {
    if (exited) throw new Error(`${exited} while waiting for ${what}`);
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${ms / 1000} s`);
    await sleep(1000);
  }
}

function checkProcesses(processes: ImageProcess[]) {
  for (const p of processes) {
    const nodes = nodeProcesses(p);
    if (nodes.length === 0) throw new Error(`${p.name}: no node process found under buildah run`);
    for (const n of nodes) {
      log(`${p.name}: pid ${n.pid} uids ${n.uids.join("/")} host network ${n.hostNetwork}: ${n.command}`);
      if (n.uids.some((uid) => uid !== NODE_UID)) throw new Error(`${p.name} runs as uids ${n.uids.join("/")}, not the image's node user (${NODE_UID})`);
      if (!n.hostNetwork) throw new Error(`${p.name} runs in its own network namespace: the loopback services are out of its reach`);
    }
  }
}

/** Uploads a PDF as the browser does (presigned PUT straight to the store), then waits for the worker to finish it. */
async function processDocument(web: string, processes: ImageProcess[]) {
  const pdf = buildPdf([standardLayoutPage(0), standardLayoutPage(1)]);
  const created = await fetch(`${web}/api/uploads`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ filename: "image-test.pdf", sizeBytes: pdf.length, contentType: "application/pdf" }),
  });
  if (created.status !== 201) throw new Error(`POST /api/uploads: ${created.status} ${await created.text()}`);
  const { document, upload } = createUploadResponseSchema.parse(await created.json());
  const put = await fetch(upload.url, { method: "PUT", headers: upload.headers, body: Buffer.from(pdf) });
  if (!put.ok) throw new Error(`PUT to the store: ${put.status} ${await put.text()}`);
  const completed = await fetch(`${web}/api/documents/${document.id}/complete`, { method: "POST" });
  if (!completed.ok) throw new Error(`complete: ${completed.status} ${await completed.text()}`);

  const detail = await waitFor(`document ${document.id} to be processed`, DOCUMENT_WAIT_MS, processes, async () => {
    const res = await fetch(`${web}/api/documents/${document.id}`);
    const body = documentDetailSchema.parse(await res.json());
    return ["done", "failed", "cancelled"].includes(body.document.status) ? body : undefined;
  });
  const { status, error, model, pageCount } = detail.document;
  const detections = detail.pages.reduce((n, p) => n + (p.detectionCount ?? 0), 0);
  log(`document ${document.id}: ${status}, ${pageCount} pages, ${detections} detections, model ${model?.id} (${model?.kind})`);
  if (status !== "done") throw new Error(`the document ended ${status}: ${error?.code} ${error?.message}`);
  if (detail.pages.some((p) => p.status !== "done")) throw new Error(`pages not done: ${detail.pages.map((p) => p.status).join(", ")}`);
  if (detections === 0) throw new Error("the worker found no detections on a page of text blocks");
}

async function runImage() {
  const heroku = herokuSchema.parse(YAML.parse(await readFile(path.join(root, "heroku.yml"), "utf8")));
  const releaseCommands = typeof heroku.release.command === "string" ? [heroku.release.command] : heroku.release.command;

  const dataDir = await mkdtemp(path.join(os.tmpdir(), "pagewise-image-test-"));
  await chmod(dataDir, 0o755); // the embedded Postgres runs as its own user when we are root
  const port = await freePort();
  const web = `http://127.0.0.1:${port}`;
  const services = await startEmbeddedServices(parseEnv({ NODE_ENV: "test" }), {
    dataDir,
    webOrigins: [web],
    pgPort: await freePort(),
    s3Port: await freePort(),
    log,
  });
  // What a deploy sets (heroku config): the database, the bucket, the admin password; Heroku sets PORT.
  // What a production deploy must set (the web and worker refuse to start without them); the test uploads
  // without an API key, a deployment's choice (ANONYMOUS_UPLOADS, closed by default in production).
  const env = { ...services.env, PORT: String(port), ADMIN_PASSWORD, WEBHOOK_SECRET: "image-test-webhook-secret", ANONYMOUS_UPLOADS: "true", LOG_LEVEL: "warn" };
  const processes: ImageProcess[] = [];
  try {
    await timed("release", async () => {
      for (const command of releaseCommands) {
        log(`release: ${command}`);
        await runToEnd(IMAGE, "pagewise-image-test-release", env, command);
      }
    });
    await timed("web + worker up", async () => {
      log(`web: ${heroku.run.web}`);
      processes.push(await start(IMAGE, "web", env, heroku.run.web));
      log(`worker: ${heroku.run.worker}`);
      processes.push(await start(IMAGE, "worker", env, heroku.run.worker));
      const health = await waitFor("/api/health", HEALTH_WAIT_MS, processes, async () => {
        const res = await fetch(`${web}/api/health`);
        return res.ok ? ((await res.json()) as { status: string }) : undefined;
      });
      if (health.status !== "ok") throw new Error(`/api/health: ${JSON.stringify(health)}`);
      log(`/api/health: ${JSON.stringify(health)}`);
    });
    checkProcesses(processes);
    await timed("document through web and worker", () => processDocument(web, processes));
  } finally {
    for (const p of processes) log(`${p.name} stopped (${await stop(p)})`);
    await services.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  for (const tool of ["podman", "buildah", "debootstrap"]) {
    try {
      execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    } catch {
      throw new Error(`${tool} is not installed (apt-get install podman buildah debootstrap)`);
    }
  }
  const started = performance.now();
  if (args["no-build"]) log(`--no-build: running the image built before`);
  else await buildImage();
  await printSizes();
  await runImage();
  const total = (performance.now() - started) / 1000;
  log(`passed in ${total.toFixed(0)} s (${timings.map(([n, s]) => `${n} ${s.toFixed(0)} s`).join(", ")})`);
}

main().then(() => process.exit(0)).catch((error: unknown) => {
  console.error(`[test:image] FAILED: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
