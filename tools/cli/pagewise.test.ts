import { PASSWORD } from "./pagewise.test-env";
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Canvas } from "@napi-rs/canvas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../lib/logger";
import { buildDocument, truncatedPdf } from "../../scripts/fixtures/test-pdf";
import { testContext } from "../../scripts/test/context";
import { encodeTiff } from "../../scripts/test/tiff-fixture";
import { startRouteServer } from "../../scripts/test/route-server";
import { startWorker, type StartedWorker } from "../../worker/start";

/** The command-line client as a user runs it (`tools/cli/bin.mjs`, a child process) against the real routes and worker. */
const ctx = testContext();
let worker: StartedWorker;
let server: Awaited<ReturnType<typeof startRouteServer>>;
let work: string;
let key: string;

const root = path.resolve(import.meta.dirname, "../..");

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, "tools/cli/bin.mjs"), ...args], { cwd: work, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c));
    child.stderr.on("data", (c: Buffer) => (stderr += c));
    child.on("exit", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

beforeAll(async () => {
  await ctx.queue();
  worker = await startWorker({ env: ctx.env, logger: createLogger("cli-worker") });
  server = await startRouteServer();
  work = await mkdtemp(path.join(os.tmpdir(), "pagewise-cli-"));
  const login = await fetch(`${server.url}/api/admin/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ password: PASSWORD }) });
  const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
  const created = await fetch(`${server.url}/api/keys`, { method: "POST", headers: { cookie, "content-type": "application/json" }, body: JSON.stringify({ name: "cli" }) });
  key = ((await created.json()) as { secret: string }).secret;
});
afterAll(async () => {
  await server?.close();
  await worker?.stop();
  await ctx.close();
  if (work) await rm(work, { recursive: true, force: true });
});

async function exportOf(id: string, format: string) {
  const res = await fetch(`${server.url}/api/documents/${id}/export?format=${format}`, { headers: { authorization: `Bearer ${key}` } });
  expect(res.status).toBe(200);
  return res.text();
}

describe("npx pagewise process", () => {
  it("processes a folder of PDFs and images and writes exactly the API's exports, in json and coco", async () => {
    const folder = path.join(work, "in");
    await rm(folder, { recursive: true, force: true });
    await import("node:fs/promises").then((fs) => fs.mkdir(folder));
    await writeFile(path.join(folder, "alpha.pdf"), buildDocument(2));
    await writeFile(path.join(folder, "beta.pdf"), buildDocument(3));
    await writeFile(path.join(folder, "notes.txt"), "not a pdf, not picked up");
    const scan = new Canvas(400, 300);
    const g = scan.getContext("2d");
    g.fillStyle = "#fff";
    g.fillRect(0, 0, 400, 300);
    g.fillStyle = "#000";
    g.fillRect(40, 40, 300, 80);
    await writeFile(path.join(folder, "gamma.png"), scan.toBuffer("image/png"));
    const rgba = g.getImageData(0, 0, 400, 300).data;
    const gray = new Uint8Array(400 * 300).map((_, i) => rgba[i * 4]!);
    const frame = { width: 400, height: 300, samples: gray, compression: "deflate" as const };
    await writeFile(path.join(folder, "delta.tif"), encodeTiff([frame, frame]));

    const json = await cli(["process", folder, "--url", server.url, "--key", key, "--out", "out-json"]);
    expect(json.stderr).toContain("4 of 4 documents done.");
    expect(json.code).toBe(0);
    expect(json.stderr).toMatch(/alpha\.pdf {2}\[#+\] 2\/2 pages {2}[\d.]+ pages\/min {2}ETA/);
    expect(json.stderr).toMatch(/beta\.pdf {2}done: 3 pages -> out-json\/beta\.detections\.json \(model: .*heuristic\)/);
    expect((await readdir(path.join(work, "out-json"))).sort()).toEqual(["alpha.detections.json", "beta.detections.json", "delta.detections.json", "gamma.detections.json"]);

    const listed = (await (await fetch(`${server.url}/api/documents?sort=filename&dir=asc`, { headers: { authorization: `Bearer ${key}` } })).json()) as {
      documents: { id: string; filename: string }[];
    };
    for (const name of ["alpha", "beta", "gamma", "delta"]) {
      const doc = listed.documents.find((d) => d.filename.startsWith(`${name}.`))!;
      const written = await readFile(path.join(work, "out-json", `${name}.detections.json`), "utf8");
      expect(written).toBe(await exportOf(doc.id, "json"));
      expect(JSON.parse(written).pages).toHaveLength({ alpha: 2, beta: 3, gamma: 1, delta: 2 }[name]!);
    }

    const coco = await cli(["process", path.join(folder, "alpha.pdf"), "--url", server.url, "--key", key, "--format", "coco", "--out", "out-coco", "--pages", "2", "--model", "baseline-heuristic"]);
    expect(coco.code).toBe(0);
    const again = (await (await fetch(`${server.url}/api/documents?sort=createdAt&dir=desc&pageSize=1`, { headers: { authorization: `Bearer ${key}` } })).json()) as {
      documents: { id: string; pageRange: string | null }[];
    };
    expect(again.documents[0]!.pageRange).toBe("2");
    expect(await readFile(path.join(work, "out-coco", "alpha.coco.json"), "utf8")).toBe(await exportOf(again.documents[0]!.id, "coco"));
  });

  it("exits non-zero with the server's message when a document fails or the key is wrong", async () => {
    await writeFile(path.join(work, "broken.pdf"), truncatedPdf());
    const broken = await cli(["process", "broken.pdf", "--url", server.url, "--key", key, "--out", "out-broken"]);
    expect(broken.code).toBe(1);
    const { getDocument } = await import("../../db/documents");
    const listed = (await (await fetch(`${server.url}/api/documents?q=broken`, { headers: { authorization: `Bearer ${key}` } })).json()) as { documents: { id: string }[] };
    const doc = await getDocument(ctx.db, listed.documents[0]!.id);
    expect(doc?.status).toBe("failed");
    expect(broken.stderr).toContain(`error: broken.pdf: ${doc!.errorMessage}`);

    const unknownModel = await cli(["process", "broken.pdf", "--url", server.url, "--key", key, "--model", "no-such-model"]);
    expect(unknownModel.code).toBe(1);
    expect(unknownModel.stderr).toMatch(/error: broken\.pdf: Model "no-such-model" is not installed\. Installed models: baseline-heuristic/);

    const wrongKey = await cli(["process", "broken.pdf", "--url", server.url, "--key", "pw_0000000000_" + "A".repeat(43)]);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toMatch(/error: broken\.pdf: The API key is missing, malformed, revoked or wrong/);
  });

  it("documents itself and refuses bad usage with status 2", async () => {
    const help = await cli(["--help"]);
    expect(help.code).toBe(0);
    for (const option of ["--url", "--key", "--format", "--out", "--pages", "--model", "markdown"]) expect(help.stdout).toContain(option);
    expect((await cli(["process", "missing.pdf", "--url", server.url])).code).toBe(2);
    expect((await cli(["process", "x.pdf"])).stderr).toMatch(/--url/);
    expect((await cli(["process", "broken.pdf", "--url", server.url, "--pages", "3-1"])).stderr).toMatch(/runs backwards/);
  });
});
