import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readModelFolder } from "./manifest";
import { pullModel } from "./pull";
import { publicModels } from "./registry";

/** A stand-in for the hub on loopback: serves bytes at the resolve URL with the headers the hub sends. */
describe("model:pull", () => {
  const body = randomBytes(256 * 1024);
  const sha = createHash("sha256").update(body).digest("hex");
  let mode: "ok" | "corrupt" | "truncated" = "ok";
  let server: http.Server;
  let hubUrl: string;
  let dir: string;
  const model = publicModels.publaynet!;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "pagewise-pull-"));
    server = http.createServer((req, res) => {
      if (req.url !== `/${model.repo}/resolve/${model.revision}/${model.file}`) return res.writeHead(404).end();
      const payload = mode === "corrupt" ? Buffer.concat([body.subarray(1), Buffer.from([0])]) : body;
      res.writeHead(200, { "x-linked-etag": `"${sha}"`, "x-linked-size": String(body.length), "content-type": "application/octet-stream" });
      if (mode === "truncated") res.end(payload.subarray(0, 1000));
      else res.end(payload);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    hubUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("downloads, verifies size and sha256, and writes a manifest the worker accepts", async () => {
    mode = "ok";
    const seen: number[] = [];
    const result = await pullModel({ name: "publaynet", model, hubUrl, modelsDir: dir, onProgress: (p) => seen.push(p.received) });
    expect(result.sha256).toBe(sha);
    expect(seen.at(-1)).toBe(body.length);
    expect(Buffer.compare(await readFile(path.join(dir, "publaynet", "model.onnx")), body)).toBe(0);
    const folder = await readModelFolder(path.join(dir, "publaynet"));
    expect(folder.manifest).toMatchObject({ sha256: sha, kind: "trained", labels: ["Text", "Title", "List", "Table", "Figure"] });
    expect(folder.manifest.resize).toEqual({ type: "fixed", width: 800, height: 1035 });
  });

  it("keeps nothing when the bytes do not match the hub's sha256", async () => {
    mode = "corrupt";
    await expect(pullModel({ name: "bad", model, hubUrl, modelsDir: dir })).rejects.toThrow(/sha256 check failed/);
    expect(existsSync(path.join(dir, "bad", "model.onnx"))).toBe(false);
    expect(existsSync(path.join(dir, "bad", "model.onnx.part"))).toBe(false);
  });

  it("refuses a truncated download", async () => {
    mode = "truncated";
    await expect(pullModel({ name: "short", model, hubUrl, modelsDir: dir })).rejects.toThrow(
      `Size check failed: expected ${body.length} bytes, received 1000`,
    );
    expect(existsSync(path.join(dir, "short", "model.onnx"))).toBe(false);
    expect(existsSync(path.join(dir, "short", "model.onnx.part"))).toBe(false);
  });
});
