import { PASSWORD } from "./openapi.test-env";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import * as openapiRoute from "../app/api/openapi.json/route";
import * as uploadsRoute from "../app/api/uploads/route";
import * as documentsRoute from "../app/api/documents/route";
import * as documentRoute from "../app/api/documents/[id]/route";
import * as completeRoute from "../app/api/documents/[id]/complete/route";
import * as eventsRoute from "../app/api/documents/[id]/events/route";
import * as exportRoute from "../app/api/documents/[id]/export/route";
import * as pageRoute from "../app/api/documents/[id]/pages/[page]/route";
import * as imageRoute from "../app/api/documents/[id]/pages/[page]/image/route";
import * as cancelRoute from "../app/api/documents/[id]/cancel/route";
import * as retryRoute from "../app/api/documents/[id]/retry/route";
import * as keysRoute from "../app/api/keys/route";
import * as keyRoute from "../app/api/keys/[id]/route";
import * as webhooksRoute from "../app/api/webhooks/route";
import * as healthRoute from "../app/api/health/route";
import * as modelsRoute from "../app/api/models/route";
import * as loginRoute from "../app/api/admin/login/route";
import * as logoutRoute from "../app/api/admin/logout/route";
import * as searchRoute from "../app/api/documents/[id]/search/route";
import * as adminSearchRoute from "../app/api/admin/search/route";
import { createLogger } from "./logger";
import { buildDocument } from "../scripts/fixtures/test-pdf";
import { testContext } from "../scripts/test/context";
import { adminCookie, bearer, call } from "../scripts/test/routes";
import { startWorker, type StartedWorker } from "../worker/start";

type Spec = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>> };
let spec: Spec;
const ctx = testContext();
let worker: StartedWorker;

beforeAll(async () => {
  await ctx.queue();
  worker = await startWorker({ env: ctx.env, logger: createLogger("openapi-worker") });
  const res = await call(openapiRoute.GET as never, { path: "/api/openapi.json" });
  spec = res.body;
});
afterAll(async () => {
  await worker?.stop();
  await ctx.close();
});

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

/** app/api/**\/route.ts as OpenAPI paths, with the methods each module exports. */
async function routeFiles(): Promise<{ path: string; methods: string[] }[]> {
  const root = path.resolve(import.meta.dirname, "../app/api");
  const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith("route.ts"));
  return Promise.all(
    files.map(async (file) => {
      const mod = (await import(path.join(root, file))) as Record<string, unknown>;
      const dir = path.dirname(file) === "." ? "" : `/${path.dirname(file)}`;
      return {
        path: `/api${dir.replace(/\[(\w+)\]/g, "{$1}")}`,
        methods: METHODS.filter((m) => typeof mod[m] === "function").map((m) => m.toLowerCase()),
      };
    }),
  );
}

/**
 * Checks an answer against what the description says for its status: status described, its content type
 * described, body valid. The body is the parsed JSON, or (for other types) pass the text.
 */
function conforms(route: string, method: string, res: { status: number; body: unknown; response: Response }, body: unknown = res.body) {
  const described = spec.paths[route]?.[method]?.responses[String(res.status)];
  expect(described, `${method.toUpperCase()} ${route} -> ${res.status} is described`).toBeDefined();
  const content = described!.content;
  if (!content) return;
  const actual = res.response.headers.get("content-type") ?? "";
  const schema = Object.entries(content).find(([type]) => actual.split(";")[0]!.trim() === type)?.[1].schema;
  expect(schema, `${method.toUpperCase()} ${route} -> ${res.status} as ${actual} is described`).toBeDefined();
  const parsed = z.fromJSONSchema(schema as never).safeParse(body);
  expect(parsed.success, `${method.toUpperCase()} ${route} -> ${res.status}: ${parsed.success ? "" : z.prettifyError(parsed.error)}`).toBe(true);
}

async function sseEvents(stream: ReadableStream<Uint8Array>) {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const events: { type: string; document?: { status: string } }[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = text.indexOf("\n\n")) >= 0) {
      const block = text.slice(0, end);
      text = text.slice(end + 2);
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (data) events.push(JSON.parse(data));
    }
    const last = events.at(-1);
    if (last && last.type !== "page" && ["done", "failed", "cancelled"].includes(last.document!.status)) {
      await reader.cancel();
      break;
    }
  }
  return events;
}

describe("OpenAPI description", () => {
  it("describes every route under app/api, and nothing that is not one", async () => {
    const routes = await routeFiles();
    expect(routes.length).toBeGreaterThanOrEqual(17);
    for (const route of routes) {
      for (const method of route.methods) expect(spec.paths[route.path]?.[method], `${method.toUpperCase()} ${route.path}`).toBeDefined();
    }
    const real = new Set(routes.flatMap((r) => r.methods.map((m) => `${m} ${r.path}`)));
    for (const [p, ops] of Object.entries(spec.paths)) for (const m of Object.keys(ops)) expect(real.has(`${m} ${p}`), `${m} ${p} exists`).toBe(true);
  });

  it("matches the answers of a real run: upload with a key, stream, read, export, admin and error answers", async () => {
    const admin = await adminCookie(PASSWORD);
    conforms("/api/admin/login", "post", await call(loginRoute.POST, { path: "/api/admin/login", method: "POST", json: { password: PASSWORD } }));
    conforms("/api/admin/login", "post", await call(loginRoute.POST, { path: "/api/admin/login", method: "POST", json: { password: "wrong" } }));

    const created = await call(keysRoute.POST, { path: "/api/keys", method: "POST", headers: admin, json: { name: "openapi" } });
    conforms("/api/keys", "post", created);
    const key = bearer(created.body.secret);
    conforms("/api/keys", "get", await call(keysRoute.GET, { path: "/api/keys", headers: admin }));

    const bytes = buildDocument(2);
    const up = await call(uploadsRoute.POST, {
      path: "/api/uploads",
      method: "POST",
      headers: key,
      json: { filename: "spec.pdf", sizeBytes: bytes.length, contentType: "application/pdf", pages: "1-2" },
    });
    conforms("/api/uploads", "post", up);
    conforms("/api/uploads", "post", await call(uploadsRoute.POST, { path: "/api/uploads", method: "POST", headers: key, json: { filename: "x.pdf" } }));
    const unknownModel = await call(uploadsRoute.POST, {
      path: "/api/uploads",
      method: "POST",
      headers: key,
      json: { filename: "m.pdf", sizeBytes: 10, contentType: "application/pdf", model: "no-such-model" },
    });
    conforms("/api/uploads", "post", unknownModel);
    expect(unknownModel.status).toBe(400);
    expect(unknownModel.body.error).toEqual({ code: "unknown_model", message: expect.stringMatching(/^Model "no-such-model" is not installed\. Installed models: .*baseline-heuristic/) });
    const models = await call(modelsRoute.GET, { path: "/api/models", headers: key });
    conforms("/api/models", "get", models);
    expect(models.body.models.find((m: { id: string }) => m.id === "baseline-heuristic")).toMatchObject({ default: true, served: true, kind: "heuristic", workers: expect.arrayContaining([expect.objectContaining({ pid: process.pid })]) });
    const anonymousModels = await call(modelsRoute.GET, { path: "/api/models" });
    conforms("/api/models", "get", anonymousModels);
    expect(anonymousModels.body.models.every((m: { workers: unknown[] }) => m.workers.length === 0)).toBe(true);
    conforms("/api/uploads", "post", await call(uploadsRoute.POST, { path: "/api/uploads", method: "POST", headers: bearer("pw_nope"), json: {} }));
    expect((await fetch(up.body.upload.url, { method: "PUT", headers: up.body.upload.headers, body: new Uint8Array(bytes) })).ok).toBe(true);

    const id: string = up.body.document.id;
    const params = { id };
    conforms("/api/documents/{id}/complete", "post", await call(completeRoute.POST, { path: `/api/documents/${id}/complete`, method: "POST", headers: key, params }));

    const stream = await call(eventsRoute.GET, { path: `/api/documents/${id}/events`, headers: key, params });
    const events = await sseEvents(stream.response.body!);
    expect(events.at(-1)).toMatchObject({ type: "status", document: { status: "done" } });
    for (const event of events) conforms("/api/documents/{id}/events", "get", stream, event);

    conforms("/api/documents/{id}", "get", await call(documentRoute.GET, { path: `/api/documents/${id}`, headers: key, params }));
    const alone = await call(documentRoute.GET, { path: `/api/documents/${id}?pages=none`, headers: key, params });
    expect(alone.body.pages).toBeUndefined();
    conforms("/api/documents/{id}", "get", alone);
    conforms("/api/documents/{id}", "get", await call(documentRoute.GET, { path: `/api/documents/${crypto.randomUUID()}`, headers: key, params: { id: crypto.randomUUID() } }));
    conforms("/api/documents/{id}/pages/{page}", "get", await call(pageRoute.GET, { path: `/api/documents/${id}/pages/1`, headers: key, params: { id, page: "1" } }));
    conforms("/api/documents/{id}/pages/{page}", "get", await call(pageRoute.GET, { path: `/api/documents/${id}/pages/x`, headers: key, params: { id, page: "x" } }));
    conforms("/api/documents/{id}/pages/{page}/image", "get", await call(imageRoute.GET, { path: `/api/documents/${id}/pages/1/image`, headers: key, params: { id, page: "1" } }));
    for (const format of ["json", "coco", "pdf"]) {
      conforms("/api/documents/{id}/export", "get", await call(exportRoute.GET, { path: `/api/documents/${id}/export?format=${format}`, headers: key, params }));
    }
    const json = await call(exportRoute.GET, { path: `/api/documents/${id}/export`, headers: key, params });
    expect(json.body.schema).toBe("pagewise.detections/v2");
    for (const format of ["markdown", "text"]) {
      const res = await call(exportRoute.GET, { path: `/api/documents/${id}/export?format=${format}`, headers: key, params });
      const text = await res.response.text();
      expect(text.length).toBeGreaterThan(0);
      conforms("/api/documents/{id}/export", "get", res, text);
    }

    // A word of the document's own region text must be found, in the document and across documents.
    const word = json.body.pages
      .flatMap((p: { detections: { text: string | null }[] }) => p.detections.map((d) => d.text ?? ""))
      .join(" ")
      .match(/[A-Za-z]{5,}/)?.[0];
    expect(word, "the export has region text").toBeDefined();
    const found = await call(searchRoute.GET, { path: `/api/documents/${id}/search?q=${word}`, headers: key, params });
    expect(found.body.hits.length).toBeGreaterThan(0);
    conforms("/api/documents/{id}/search", "get", found);
    conforms("/api/documents/{id}/search", "get", await call(searchRoute.GET, { path: `/api/documents/${id}/search?q=`, headers: key, params }));
    // Searching is reading: a wrong key is refused, and a key's document is not found for anyone else.
    const wrongKey = await call(searchRoute.GET, { path: `/api/documents/${id}/search?q=${word}`, headers: bearer("pw_nope"), params });
    expect(wrongKey.status).toBe(401);
    conforms("/api/documents/{id}/search", "get", wrongKey);
    const anonymous = await call(searchRoute.GET, { path: `/api/documents/${id}/search?q=${word}`, params });
    expect(anonymous.status).toBe(404);
    conforms("/api/documents/{id}/search", "get", anonymous);
    const across = await call(adminSearchRoute.GET, { path: `/api/admin/search?q=${word}`, headers: admin });
    expect(across.body.documents.map((d: { documentId: string }) => d.documentId)).toContain(id);
    conforms("/api/admin/search", "get", across);
    conforms("/api/admin/search", "get", await call(adminSearchRoute.GET, { path: "/api/admin/search?q=", headers: admin }));
    conforms("/api/admin/search", "get", await call(adminSearchRoute.GET, { path: `/api/admin/search?q=${word}` }));
    conforms("/api/documents", "get", await call(documentsRoute.GET, { path: "/api/documents?pageSize=1", headers: key }));
    conforms("/api/documents", "get", await call(documentsRoute.GET, { path: "/api/documents?pageSize=0", headers: admin }));
    conforms("/api/documents", "get", await call(documentsRoute.GET, { path: "/api/documents" }));
    conforms("/api/webhooks", "get", await call(webhooksRoute.GET, { path: `/api/webhooks?documentId=${id}`, headers: key }));
    conforms("/api/webhooks", "get", await call(webhooksRoute.GET, { path: "/api/webhooks", headers: admin }));
    conforms("/api/documents/{id}/cancel", "post", await call(cancelRoute.POST, { path: `/api/documents/${id}/cancel`, method: "POST", headers: admin, params }));
    conforms("/api/documents/{id}/retry", "post", await call(retryRoute.POST, { path: `/api/documents/${id}/retry`, method: "POST", headers: admin, params }));
    conforms("/api/documents/{id}", "delete", await call(documentRoute.DELETE, { path: `/api/documents/${id}`, method: "DELETE", headers: admin, params }));
    conforms("/api/keys/{id}", "delete", await call(keyRoute.DELETE, { path: `/api/keys/${created.body.apiKey.id}`, method: "DELETE", headers: admin, params: { id: created.body.apiKey.id } }));
    conforms("/api/health", "get", await call(healthRoute.GET as never, { path: "/api/health" }));
    conforms("/api/admin/logout", "post", await call(logoutRoute.POST as never, { path: "/api/admin/logout", method: "POST" }));
  });
});
