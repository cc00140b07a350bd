import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readModelFolder } from "./manifest";
import { loadModel, ModelRunError, type LoadedModel } from "./session";
import { loadModelInThread } from "./session-thread";
import { buildThrowsOnBlankModel, SHARED_R50_ONNX, sharedModelFolder, writeModelFolder } from "./test-models";

let dir = "";
afterAll(() => rm(dir, { recursive: true, force: true }));
const tempDir = async () => (dir ||= await mkdtemp(path.join(os.tmpdir(), "pagewise-session-thread-")));

/** setInterval ticks the calling thread's event loop managed while one page was inferred. */
async function ticksDuring(model: LoadedModel): Promise<{ ticks: number; inferMs: number }> {
  const [w, h] = [800, 1035];
  const page = new Uint8Array(3 * w * h).fill(255);
  for (let p = 100_000; p < 400_000; p++) page[p] = 0;
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  try {
    const { inferMs } = await model.run(page, w, h, { width: w, height: h });
    return { ticks, inferMs };
  } finally {
    clearInterval(timer);
  }
}

describe("the model session in its own thread", () => {
  it.skipIf(!existsSync(SHARED_R50_ONNX))("leaves the calling thread free while a page is inferred (in-process, it is held for the whole run)", async () => {
    const folder = await readModelFolder(await sharedModelFolder(path.join(await tempDir(), "r50"), "session thread test"));
    const threaded = await loadModelInThread(folder, { intraOpNumThreads: 1 });
    const inThread = await ticksDuring(threaded).finally(() => threaded.release());
    const inProcess = await loadModel(folder, { intraOpNumThreads: 1 });
    const held = await ticksDuring(inProcess).finally(() => inProcess.release());
    console.log(`[session-thread.test] ticks of 10 ms: ${inThread.ticks} during ${Math.round(inThread.inferMs)} ms in the thread, ${held.ticks} during ${Math.round(held.inferMs)} ms in-process`);
    expect(inThread.ticks).toBeGreaterThan(inThread.inferMs / 10 / 4);
    expect(held.ticks).toBeLessThanOrEqual(2);
  }, 120_000);

  it("rejects a failing page with ModelRunError, keeps serving, and refuses runs once released", async () => {
    const folder = await readModelFolder(await writeModelFolder(path.join(await tempDir(), "throws"), buildThrowsOnBlankModel(), { id: "throws", name: "throws", kind: "untrained" }));
    const model = await loadModelInThread(folder);
    const [w, h] = [64, 64];
    const page = new Uint8Array(3 * w * h).fill(255);
    for (let y = 20; y < 40; y++) for (let x = 10; x < 50; x++) for (let c = 0; c < 3; c++) page[c * w * h + y * w + x] = 0;
    const results = await Promise.allSettled([
      model.run(new Uint8Array(3 * w * h).fill(255), w, h, { width: w, height: h }),
      model.run(page, w, h, { width: w, height: h }),
    ]);
    expect(results[0]!.status).toBe("rejected");
    expect((results[0] as PromiseRejectedResult).reason).toBeInstanceOf(ModelRunError);
    expect(results[1]!.status).toBe("fulfilled");
    // The input moved to the thread rather than being copied.
    expect(page.buffer.byteLength).toBe(0);
    await model.release();
    await expect(model.run(new Uint8Array(3 * w * h), w, h, { width: w, height: h })).rejects.toThrow(/released/);
  }, 60_000);

  it("fails to load as loadModel does: a file whose sha256 is not model.json's", async () => {
    const modelDir = await writeModelFolder(path.join(await tempDir(), "tampered"), buildThrowsOnBlankModel(), { id: "tampered", name: "tampered", kind: "untrained" });
    const manifest = JSON.parse(await readFile(path.join(modelDir, "model.json"), "utf8")) as Record<string, unknown>;
    await writeFile(path.join(modelDir, "model.json"), JSON.stringify({ ...manifest, sha256: "0".repeat(64) }));
    await expect(loadModelInThread(await readModelFolder(modelDir))).rejects.toThrow(/has sha256 [0-9a-f]{64}, but model.json expects 0{64}/);
  }, 60_000);
});
