import { Worker } from "node:worker_threads";
import { AppError } from "../../lib/errors";
import type { RenderedPage, RenderRequest, ThreadRequest, ThreadResponse } from "./protocol";

export type { RenderedPage, RenderRequest } from "./protocol";

type Pending = { worker: Worker; resolve: (value: ThreadResponse) => void; reject: (error: Error) => void; timer: NodeJS.Timeout };

/**
 * Renders pages in a worker thread, one call at a time per thread. A call that exceeds `timeoutMs`
 * terminates the thread (pdf.js promises can hang forever) and fails with `render_timeout`; the next
 * call starts a fresh thread.
 */
export function createRenderer(opts: { timeoutMs: number; maxPixels: number }) {
  let thread: Worker | null = null;
  let nextId = 1;
  const pending = new Map<number, Pending>();
  let queue: Promise<unknown> = Promise.resolve();

  function spawn(): Worker {
    const hasTsx = process.execArgv.some((a) => a.includes("tsx"));
    const worker = new Worker(new URL("./render-thread.ts", import.meta.url), {
      // The thread runs TypeScript like its parent: through tsx's loader.
      execArgv: hasTsx ? process.execArgv : [...process.execArgv, "--import", "tsx"],
    });
    worker.on("message", (msg: ThreadResponse) => {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      clearTimeout(p.timer);
      p.resolve(msg);
    });
    const fail = (error: Error) => {
      if (thread === worker) thread = null;
      for (const [id, p] of pending) {
        if (p.worker !== worker) continue;
        pending.delete(id);
        clearTimeout(p.timer);
        p.reject(new AppError("render_failed", `render thread died: ${error.message}`, "The page renderer crashed on this page."));
      }
    };
    worker.on("error", (error) => { if (process.env.DEBUG_RENDER) console.error("render thread error", error); fail(error); });
    worker.on("exit", (code) => fail(new Error(`exit ${code}`)));
    worker.unref();
    return worker;
  }

  function call(message: Omit<ThreadRequest, "id">, what: string): Promise<ThreadResponse> {
    const run = () =>
      new Promise<ThreadResponse>((resolve, reject) => {
        thread ??= spawn();
        const worker = thread;
        const id = nextId++;
        const timer = setTimeout(() => {
          pending.delete(id);
          thread = null;
          void worker.terminate();
          reject(
            new AppError(
              "render_timeout",
              `${what} exceeded ${opts.timeoutMs} ms`,
              `${what[0]!.toUpperCase()}${what.slice(1)} took longer than ${Math.round(opts.timeoutMs / 100) / 10} s to render, so it was skipped.`,
            ),
          );
        }, opts.timeoutMs);
        pending.set(id, { worker, resolve, reject, timer });
        worker.postMessage({ ...message, id } as ThreadRequest);
      });
    const result = queue.then(run, run);
    queue = result.catch(() => {});
    return result;
  }

  const unwrap = (reply: ThreadResponse) => {
    if (!reply.ok) throw new AppError(reply.error.code, reply.error.message, reply.error.userMessage);
    return reply;
  };

  return {
    /** Opens (and keeps) a document; resolves to its page count. */
    async open(pdfPath: string): Promise<{ pageCount: number }> {
      const reply = unwrap(await call({ type: "open", pdfPath }, "the document"));
      if (!("pageCount" in reply)) throw new Error("unexpected reply");
      return { pageCount: reply.pageCount };
    },
    async render(request: RenderRequest): Promise<RenderedPage> {
      const reply = unwrap(await call({ type: "render", request, maxPixels: opts.maxPixels }, `page ${request.pageNumber}`));
      if (!("page" in reply)) throw new Error("unexpected reply");
      return reply.page;
    },
    async close() {
      const worker = thread;
      thread = null;
      if (worker) await worker.terminate();
    },
  };
}

export type Renderer = ReturnType<typeof createRenderer>;
