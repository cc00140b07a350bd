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
  let thread: { worker: Worker; ready: Promise<void> } | null = null;
  let nextId = 1;
  const pending = new Map<number, Pending>();
  let queue: Promise<unknown> = Promise.resolve();
  // Opening parses the whole cross-reference table; a large document may legitimately take longer than a page.
  const openTimeoutMs = Math.max(opts.timeoutMs, 60_000);

  function spawn() {
    const hasTsx = process.execArgv.some((a) => a.includes("tsx"));
    const worker = new Worker(new URL("./render-thread.ts", import.meta.url), {
      // The thread runs TypeScript like its parent: through tsx's loader.
      execArgv: hasTsx ? process.execArgv : [...process.execArgv, "--import", "tsx"],
    });
    // Time limits start once the thread has loaded pdf.js, not while it boots.
    const ready = new Promise<void>((resolve, reject) => {
      worker.once("message", () => resolve());
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`render thread exited during start (${code})`)));
    });
    ready.catch(() => {});
    worker.on("message", (msg: ThreadResponse | { ready: true }) => {
      if ("ready" in msg) return;
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      clearTimeout(p.timer);
      p.resolve(msg);
    });
    const fail = (error: Error) => {
      if (thread?.worker === worker) thread = null;
      for (const [id, p] of pending) {
        if (p.worker !== worker) continue;
        pending.delete(id);
        clearTimeout(p.timer);
        p.reject(new AppError("render_failed", `render thread died: ${error.message}`, "The page renderer crashed on this page."));
      }
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`exit ${code}`)));
    worker.unref();
    return { worker, ready };
  }

  function call(message: Omit<ThreadRequest, "id">, what: string, timeoutMs: number): Promise<ThreadResponse> {
    const run = async () => {
      thread ??= spawn();
      const { worker, ready } = thread;
      await ready;
      return new Promise<ThreadResponse>((resolve, reject) => {
        const id = nextId++;
        const timer = setTimeout(() => {
          pending.delete(id);
          if (thread?.worker === worker) thread = null;
          void worker.terminate();
          reject(
            new AppError(
              "render_timeout",
              `${what} exceeded ${timeoutMs} ms`,
              `${what[0]!.toUpperCase()}${what.slice(1)} took longer than ${Math.round(timeoutMs / 100) / 10} s to ${message.type === "open" ? "open" : "render"}, so it was skipped.`,
            ),
          );
        }, timeoutMs);
        pending.set(id, { worker, resolve, reject, timer });
        worker.postMessage({ ...message, id } as ThreadRequest);
      });
    };
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
      const reply = unwrap(await call({ type: "open", pdfPath }, "the document", openTimeoutMs));
      if (!("pageCount" in reply)) throw new Error("unexpected reply");
      return { pageCount: reply.pageCount };
    },
    async render(request: RenderRequest): Promise<RenderedPage> {
      const reply = unwrap(await call({ type: "render", request, maxPixels: opts.maxPixels }, `page ${request.pageNumber}`, opts.timeoutMs));
      if (!("page" in reply)) throw new Error("unexpected reply");
      return reply.page;
    },
    async close() {
      const current = thread;
      thread = null;
      if (current) await current.worker.terminate();
    },
  };
}

export type Renderer = ReturnType<typeof createRenderer>;
