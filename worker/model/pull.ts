import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ModelManifest } from "./manifest";
import type { PublicModel } from "./registry";

export type PullProgress = { received: number; total: number | null };

/**
 * Downloads a public model into `<modelsDir>/<name>/`, checking its size and sha256 before anything is
 * kept, and writes its `model.json` (with the verified sha256, so the worker re-checks it at load).
 */
export async function pullModel(opts: {
  name: string;
  model: PublicModel;
  hubUrl: string;
  modelsDir: string;
  onProgress?: (p: PullProgress) => void;
}): Promise<{ dir: string; sha256: string; bytes: number }> {
  const { model } = opts;
  const url = `${opts.hubUrl.replace(/\/$/, "")}/${model.repo}/resolve/${model.revision}/${model.file}`;
  const res = await fetch(url, { redirect: "follow" });
  if (!res.ok || !res.body) throw new Error(`Download failed: ${res.status} ${res.statusText} for ${url}`);

  // The hub reports an LFS file's sha256 and size in X-Linked-Etag / X-Linked-Size on the first response.
  const hubSha = res.headers.get("x-linked-etag")?.replace(/"/g, "") ?? null;
  const expectedSha = model.sha256 ?? (hubSha && /^[0-9a-f]{64}$/.test(hubSha) ? hubSha : null);
  if (!expectedSha) throw new Error(`No sha256 to check ${url} against (no pinned hash, no X-Linked-Etag from the hub)`);
  const lengthHeader = res.headers.get("x-linked-size") ?? res.headers.get("content-length");
  const total = lengthHeader ? Number(lengthHeader) : null;

  const dir = path.join(opts.modelsDir, opts.name);
  await mkdir(dir, { recursive: true });
  const target = path.join(dir, "model.onnx");
  const partial = `${target}.part`;
  const hash = createHash("sha256");
  let received = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      received += chunk.length;
      opts.onProgress?.({ received, total });
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(res.body as never), meter, createWriteStream(partial));
    if (total !== null && received !== total) throw new Error(`Size check failed: expected ${total} bytes, received ${received}`);
    const sha256 = hash.digest("hex");
    if (sha256 !== expectedSha) throw new Error(`sha256 check failed: expected ${expectedSha}, got ${sha256}`);
    await rename(partial, target);
    const manifest: ModelManifest = { ...model.manifest, file: "model.onnx", sha256 };
    await writeFile(path.join(dir, "model.json"), JSON.stringify(manifest, null, 2) + "\n");
    return { dir, sha256, bytes: received };
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}
