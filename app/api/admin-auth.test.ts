import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { getDocument } from "../../db/documents";
import { headObject } from "../../lib/s3";
import { buildDocument } from "../../scripts/fixtures/test-pdf";
import { testContext, uploadPdf } from "../../scripts/test/context";

/**
 * The admin routes' guard, through the real Next route handlers (real Requests, real Postgres and store):
 * anonymous calls are refused and change nothing; the session cookie's flags; logout.
 */
const PASSWORD = "admin routes test password";
process.env.ADMIN_PASSWORD = PASSWORD;
process.env.QUEUE_SCHEMA = "q_admin_auth";
const ctx = testContext();

type Routes = {
  login: typeof import("./admin/login/route");
  logout: typeof import("./admin/logout/route");
  list: typeof import("./documents/route");
  document: typeof import("./documents/[id]/route");
  retry: typeof import("./documents/[id]/retry/route");
  cancel: typeof import("./documents/[id]/cancel/route");
  uploads: typeof import("./uploads/route");
};
let routes: Routes;
const importRoutes = async (): Promise<Routes> => ({
  login: await import("./admin/login/route"),
  logout: await import("./admin/logout/route"),
  list: await import("./documents/route"),
  document: await import("./documents/[id]/route"),
  retry: await import("./documents/[id]/retry/route"),
  cancel: await import("./documents/[id]/cancel/route"),
  uploads: await import("./uploads/route"),
});

beforeAll(async () => {
  await ctx.queue();
  routes = await importRoutes();
});
afterAll(() => ctx.close());

const url = (p: string) => `http://pagewise.test${p}`;
const params = (id: string) => ({ params: Promise.resolve({ id }) });
const login = (r: Routes, password: string, forwardedFor = "198.51.100.1") =>
  r.login.POST(
    new Request(url("/api/admin/login"), {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor },
      body: JSON.stringify({ password }),
    }),
  );
const cookieAttributes = (setCookie: string | null) => {
  const [pair, ...attributes] = (setCookie ?? "").split(";").map((s) => s.trim());
  return { pair: pair!, attributes: attributes.map((a) => a.toLowerCase()) };
};

describe("admin routes refuse anonymous callers", () => {
  it("DELETE /api/documents/:id, POST retry and cancel, GET the list: 401 each, and nothing changes", async () => {
    const doc = await uploadPdf(ctx, buildDocument(1), "guarded.pdf");
    expect(doc.status).toBe("queued");
    const forged = { cookie: "pagewise_admin=9999999999.forged" };
    for (const headers of [{}, forged]) {
      const calls: [string, Promise<Response>][] = [
        ["DELETE", routes.document.DELETE(new Request(url(`/api/documents/${doc.id}`), { method: "DELETE", headers }), params(doc.id))],
        ["retry", routes.retry.POST(new Request(url(`/api/documents/${doc.id}/retry`), { method: "POST", headers }), params(doc.id))],
        ["cancel", routes.cancel.POST(new Request(url(`/api/documents/${doc.id}/cancel`), { method: "POST", headers }), params(doc.id))],
        ["list", routes.list.GET(new Request(url("/api/documents"), { headers }))],
      ];
      for (const [name, call] of calls) {
        const res = await call;
        expect(res.status, name).toBe(401);
        expect(await res.json(), name).toEqual({ error: { code: "unauthorized", message: "Sign in to the admin page first." } });
      }
    }
    expect(await getDocument(ctx.db, doc.id)).toMatchObject({ status: "queued" });
    expect(await headObject(ctx.storage, doc.objectKey)).not.toBeNull();
  });

  it("the same calls with a session from the login route go through", async () => {
    const session = cookieAttributes((await login(routes, PASSWORD)).headers.get("set-cookie")).pair;
    const headers = { cookie: session };
    const doc = await uploadPdf(ctx, buildDocument(1), "allowed.pdf");
    expect((await routes.list.GET(new Request(url("/api/documents"), { headers }))).status).toBe(200);
    const cancelled = await routes.cancel.POST(new Request(url(`/api/documents/${doc.id}/cancel`), { method: "POST", headers }), params(doc.id));
    expect(cancelled.status).toBe(200);
    const retried = await routes.retry.POST(new Request(url(`/api/documents/${doc.id}/retry`), { method: "POST", headers }), params(doc.id));
    expect(retried.status).toBe(200);
    const deleted = await routes.document.DELETE(new Request(url(`/api/documents/${doc.id}`), { method: "DELETE", headers }), params(doc.id));
    expect(deleted.status).toBe(204);
    expect(await getDocument(ctx.db, doc.id)).toBeUndefined();
  });
});

describe("admin session cookie", () => {
  it("is HttpOnly, SameSite=Strict, for the whole site, lasting the session; not Secure outside production", async () => {
    const res = await login(routes, PASSWORD);
    expect(res.status).toBe(200);
    const { pair, attributes } = cookieAttributes(res.headers.get("set-cookie"));
    expect(pair).toMatch(/^pagewise_admin=\d+\.[\w-]+$/);
    expect(attributes).toEqual(expect.arrayContaining(["httponly", "samesite=strict", "path=/", "max-age=28800"]));
    expect(attributes).not.toContain("secure");
  });

  it("is Secure in production", async () => {
    vi.resetModules();
    const environment = process.env as Record<string, string | undefined>;
    const before = environment.NODE_ENV;
    environment.NODE_ENV = "production";
    try {
      const production = await importRoutes();
      const { attributes } = cookieAttributes((await login(production, PASSWORD, "198.51.100.2")).headers.get("set-cookie"));
      expect(attributes).toEqual(expect.arrayContaining(["httponly", "samesite=strict", "secure"]));
    } finally {
      environment.NODE_ENV = before;
      vi.resetModules();
    }
  });

  it("a wrong password gets 401 and no cookie", async () => {
    const res = await login(routes, "not the password", "198.51.100.3");
    expect(res.status).toBe(401);
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("logout clears the cookie: same name and path, expired at once, still HttpOnly", async () => {
    const res = await routes.logout.POST();
    expect(res.status).toBe(200);
    const { pair, attributes } = cookieAttributes(res.headers.get("set-cookie"));
    expect(pair).toBe("pagewise_admin=");
    expect(attributes).toEqual(expect.arrayContaining(["path=/", "max-age=0", "httponly", "samesite=strict"]));
  });
});

describe("client address for rate limits: the last X-Forwarded-For hop", () => {
  it("a client cannot get around the admin brute-force limit by sending its own X-Forwarded-For hops", async () => {
    const proxyAdded = "203.0.113.7"; // what the proxy in front appends: the real peer
    for (let i = 0; i < 5; i++) {
      const res = await login(routes, "guess " + i, `10.0.0.${i}, ${proxyAdded}`);
      expect(res.status).toBe(401);
    }
    const blocked = await login(routes, PASSWORD, `192.0.2.99, ${proxyAdded}`);
    expect(blocked.status).toBe(429);
    expect((await blocked.json()).error.code).toBe("rate_limited");
    // Another real peer is not affected.
    expect((await login(routes, PASSWORD, `10.0.0.1, 203.0.113.8`)).status).toBe(200);
  });

  it("the upload limit counts the last hop too, whatever the earlier hops say", async () => {
    const upload = (forwardedFor: string) =>
      routes.uploads.POST(
        new Request(url("/api/uploads"), {
          method: "POST",
          headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor },
          body: "{}", // refused after the limiter has counted it: cheap, and nothing is created
        }),
      );
    for (let i = 0; i < 120; i++) expect((await upload(`10.1.${i}.1, 203.0.113.20`)).status).toBe(400);
    const limited = await upload("10.9.9.9, 203.0.113.20");
    expect(limited.status).toBe(429);
    expect((await limited.json()).error.code).toBe("rate_limited");
    expect((await upload("10.1.0.1, 203.0.113.21")).status).toBe(400);
  });
});
