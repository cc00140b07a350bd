/**
 * The main thread's side of page rendering. pdf.js runs in a worker thread (render-thread.ts), so that a
 * page that never finishes can be stopped by terminating the thread, and a crash takes down only the
 * thread, not the worker process.
 */
import { Worker } from "node:worker_threads";
import { AppError } from "../../lib/errors";
import { threadEntry, type ThreadLoader } from "../thread-entry";
import type { RenderedPage, RenderRequest, ThreadReady, ThreadRequest, ThreadResponse } from "./protocol";

export type { RenderedPage, RenderRequest } from "./protocol";

export type RendererOptions = {
  /** Time limit of one call, counted from when the thread starts on it (not while it boots or waits). */
  timeoutMs: number;
  /** Largest canvas, in pixels; bigger pages are rendered at a lower scale. */
  maxPixels: number;
  /** Time limit for opening a document; at least `timeoutMs`. Default: the larger of `timeoutMs` and 60 s. */
  openTimeoutMs?: number;
  /** V8 heap limit of the render thread in MiB: a PDF that blows it kills the thread, not the process. */
  threadHeapMb?: number;
  /** With `threadHeapMb`: the thread's young generation in MiB. Default 16. */
  threadYoungMb?: number;
  /** How the thread loads its TypeScript; default "native" where Node supports it (see threadEntry). */
  loader?: ThreadLoader;
};

type Thread = { worker: Worker; ready: Promise<void> };
type Request = ThreadRequest extends infer R ? (R extends ThreadRequest ? Omit<R, "id"> : never) : never;
type Pending = { worker: Worker; what: string; resolve: (value: ThreadResponse) => void; reject: (error: Error) => void; timer: NodeJS.Timeout };

/** A thread that has not loaded pdf.js by then is stuck (a cold start takes about a second). */
const BOOT_LIMIT_MS = 120_000;

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/**
 * Renders pages in a worker thread, one call at a time. A call that exceeds its time limit terminates the
 * thread and fails with `render_timeout`; a thread that dies fails its call with `render_failed`. Either
 * way the next call starts a fresh thread. Errors the user should see are `AppError`s (`pdf_invalid`,
 * `pdf_encrypted`, `pdf_no_pages`, `render_timeout`, `render_failed`); anything else is a plain Error.
 */
export function createRenderer(opts: RendererOptions) {
  let thread: Thread | null = null;
  let nextId = 1;
  const pending = new Map<number, Pending>();
  let queue: Promise<unknown> = Promise.resolve();
  // Opening parses the cross-reference table; a large document may legitimately take longer than a page.
  const openTimeoutMs = Math.max(opts.openTimeoutMs ?? 60_000, opts.timeoutMs);

  function spawn(): Thread {
    const { url, execArgv, workerData } = threadEntry(new URL("./render-thread.ts", import.meta.url), "render-thread", opts.loader);
    const worker = new Worker(url, {
      execArgv,
      workerData,
      ...(opts.threadHeapMb ? { resourceLimits: { maxOldGenerationSizeMb: opts.threadHeapMb, maxYoungGenerationSizeMb: opts.threadYoungMb ?? 16 } } : {}),
    });
    // Time limits start once the thread has loaded pdf.js, not while it boots; a boot that never ends is stopped.
    const bootTimer = setTimeout(() => void worker.terminate(), BOOT_LIMIT_MS);
    bootTimer.unref();
    const ready = new Promise<void>((resolve, reject) => {
      worker.once("message", () => resolve());
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`render thread exited during start (exit code ${code})`)));
    }).finally(() => clearTimeout(bootTimer));
    ready.catch(() => {});
    worker.on("message", (msg: ThreadResponse | ThreadReady) => {
      if ("ready" in msg) return;
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      clearTimeout(p.timer);
      p.resolve(msg);
    });
    let lastError: Error | null = null;
    worker.on("error", (error) => {
      lastError = error;
    });
    worker.on("exit", (code) => {
      if (thread?.worker === worker) thread = null;
      for (const [id, p] of pending) {
        if (p.worker !== worker) continue;
        pending.delete(id);
        clearTimeout(p.timer);
        const outOfMemory = (lastError as { code?: string } | null)?.code === "ERR_WORKER_OUT_OF_MEMORY";
        p.reject(
          new AppError(
            "render_failed",
            `render thread died on ${p.what} (exit code ${code}${lastError ? `: ${lastError.message}` : ""})`,
            outOfMemory
              ? `${capitalize(p.what)} needed more memory than the renderer may use, so it was skipped.`
              : `The renderer crashed on ${p.what}, so it was skipped.`,
            { cause: lastError ?? undefined },
          ),
        );
      }
    });
    worker.unref();
    return { worker, ready };
  }

  function call(message: Request, what: string, timeoutMs: number): Promise<ThreadResponse> {
    const run = async () => {
      thread ??= spawn();
      const { worker, ready } = thread;
      // An idle thread does not keep the process alive; one that is working for a caller does.
      worker.ref();
      try {
        await ready;
        return await send(worker, message, what, timeoutMs);
      } finally {
        worker.unref();
      }
    };
    const result = queue.then(run, run);
    queue = result.catch(() => {});
    return result;
  }

  function send(worker: Worker, message: Request, what: string, timeoutMs: number): Promise<ThreadResponse> {
    return new Promise<ThreadResponse>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        if (thread?.worker === worker) thread = null;
        void worker.terminate();
        const verb = message.type === "open" ? "open" : "render";
        reject(new AppError("render_timeout", `${what}: no result after ${timeoutMs} ms, thread terminated`, `${capitalize(what)} took longer than ${seconds(timeoutMs)} to ${verb}, so it was skipped.`));
      }, timeoutMs);
      pending.set(id, { worker, what, resolve, reject, timer });
      worker.postMessage({ ...message, id } as ThreadRequest);
    });
  }

  function unwrap(reply: ThreadResponse) {
    if (reply.ok) return reply;
    const { code, message, userMessage } = reply.error;
    // A local file problem is ours, not the user's: a plain error, so the job is retried.
    if (code === "io_error") throw new Error(`render thread could not read the PDF: ${message}`);
    throw new AppError(code, message, userMessage);
  }

  return {
    /**
     * Opens a document (kept for the pages that follow) and counts its pages (a TIFF's frames);
     * `pdf_no_pages` when it has none.
     */
    async open(pdfPath: string): Promise<{ pageCount: number; format: "pdf" | "image" | "tiff" }> {
      const reply = unwrap(await call({ type: "open", pdfPath }, "the document", openTimeoutMs));
      if (!("pageCount" in reply)) throw new Error("render thread: unexpected reply to open");
      return { pageCount: reply.pageCount, format: reply.format };
    },
    /** Renders one page: the image for the viewer and the model's input tensor. */
    async render(request: RenderRequest): Promise<RenderedPage> {
      const reply = unwrap(await call({ type: "render", request, maxPixels: opts.maxPixels }, `page ${request.pageNumber}`, opts.timeoutMs));
      if (!("page" in reply)) throw new Error("render thread: unexpected reply to render");
      return reply.page;
    },
    /** Stops the thread; calls still waiting fail. The renderer can be used again afterwards (a new thread). */
    async close(): Promise<void> {
      const current = thread;
      thread = null;
      if (current) await current.worker.terminate();
    },
  };
}

const capitalize = (s: string) => `${s[0]?.toUpperCase() ?? ""}${s.slice(1)}`;

export type Renderer = ReturnType<typeof createRenderer>;
