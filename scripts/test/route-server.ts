import { readdir } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { Readable } from "node:stream";

type Handler = (request: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response> | Response;
type Route = { pattern: RegExp; names: string[]; module: Record<string, unknown>; specificity: number };

/**
 * The app's route handlers (app/api/**\/route.ts) behind a plain Node HTTP server, for tests of programs that
 * talk HTTP (the CLI): the real handlers, Postgres, storage and queue, without a Next.js build. Process
 * settings must be in process.env before it starts (lib/env parses them once).
 */
export async function startRouteServer(): Promise<{ url: string; close(): Promise<void> }> {
  const root = path.resolve(import.meta.dirname, "../../app/api");
  const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith("route.ts"));
  const routes: Route[] = [];
  for (const file of files) {
    const dir = path.dirname(file) === "." ? [] : path.dirname(file).split(path.sep);
    const names: string[] = [];
    const source = dir
      .map((segment) => {
        const param = /^\[(\w+)\]$/.exec(segment);
        if (param) {
          names.push(param[1]!);
          return "/([^/]+)";
        }
        return `/${segment.replace(/[.]/g, "\\.")}`;
      })
      .join("");
    routes.push({ pattern: new RegExp(`^/api${source}$`), names, module: await import(path.join(root, file)), specificity: dir.length - names.length });
  }
  routes.sort((a, b) => b.specificity - a.specificity);

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const abort = new AbortController();
    res.on("close", () => abort.abort());
    try {
      const match = routes.map((r) => ({ r, m: r.pattern.exec(url.pathname) })).find((x) => x.m);
      const handler = match?.r.module[req.method ?? "GET"] as Handler | undefined;
      if (!match || !handler) {
        res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { code: "not_found", message: "No such route." } }));
        return;
      }
      const params = Object.fromEntries(match.r.names.map((n, i) => [n, decodeURIComponent(match.m![i + 1]!)]));
      const hasBody = req.method !== "GET" && req.method !== "HEAD";
      const request = new Request(url, {
        method: req.method,
        headers: Object.entries(req.headers).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x] as [string, string]) : v === undefined ? [] : [[k, v] as [string, string]])),
        body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
        signal: abort.signal,
        ...(hasBody ? { duplex: "half" } : {}),
      } as RequestInit);
      const response = await handler(request, { params: Promise.resolve(params) });
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (!response.body) return void res.end();
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        if (abort.signal.aborted) break;
        res.write(chunk);
      }
      res.end();
    } catch (error) {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "internal", message: String(error) } }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
