import { PASSWORD, REQUESTS_PER_MINUTE } from "./api-keys.test-env";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import * as keysRoute from "../../app/api/keys/route";
import * as keyRoute from "../../app/api/keys/[id]/route";
import * as uploadsRoute from "../../app/api/uploads/route";
import * as documentsRoute from "../../app/api/documents/route";
import * as documentRoute from "../../app/api/documents/[id]/route";
import * as completeRoute from "../../app/api/documents/[id]/complete/route";
import * as exportRoute from "../../app/api/documents/[id]/export/route";
import * as eventsRoute from "../../app/api/documents/[id]/events/route";
import * as pageRoute from "../../app/api/documents/[id]/pages/[page]/route";
import { apiKeys } from "../../db/schema";
import { apiErrorSchema, createUploadResponseSchema, documentListSchema } from "../api-types";
import { parseEnv } from "../env";
import { testContext } from "../../scripts/test/context";
import { adminCookie, bearer, call } from "../../scripts/test/routes";
import { assertCanUpload } from "./callers";

const ctx = testContext();
let admin: Record<string, string>;

beforeAll(async () => {
  await ctx.queue();
  admin = await adminCookie(PASSWORD);
});
afterAll(() => ctx.close());

async function newKey(name: string) {
  const res = await call(keysRoute.POST, { path: "/api/keys", method: "POST", headers: admin, json: { name } });
  expect(res.status).toBe(201);
  return res.body as { apiKey: { id: string; prefix: string }; secret: string };
}

const pdf = Buffer.from("%PDF-1.7\n" + " ".repeat(100));

async function uploadAs(headers: Record<string, string>, filename = "k.pdf") {
  const res = await call(uploadsRoute.POST, {
    path: "/api/uploads",
    method: "POST",
    headers,
    json: { filename, sizeBytes: pdf.length, contentType: "application/pdf" },
  });
  return res;
}

const expect401 = (res: { status: number; body: unknown }) => {
  expect(res.status).toBe(401);
  expect(apiErrorSchema.parse(res.body).error.code).toBe("unauthorized");
};

describe("API keys", () => {
  it("are created (secret once), listed without secrets, used, and revoked", async () => {
    const { apiKey, secret } = await newKey("invoices pipeline");
    expect(secret).toMatch(/^pw_[0-9a-f]{10}_[A-Za-z0-9_-]{43}$/);
    expect(secret.startsWith(apiKey.prefix + "_")).toBe(true);
    const [row] = await ctx.db.select().from(apiKeys).where(eq(apiKeys.id, apiKey.id));
    expect(row!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(secret.slice(14)); // only the hash is stored

    const listed = await call(keysRoute.GET, { path: "/api/keys", headers: admin });
    const mine = listed.body.apiKeys.find((k: { id: string }) => k.id === apiKey.id);
    expect(mine).toMatchObject({ name: "invoices pipeline", prefix: apiKey.prefix, lastUsedAt: null, revokedAt: null });
    expect(JSON.stringify(listed.body)).not.toContain(secret);

    const used = await call(documentsRoute.GET, { path: "/api/documents", headers: bearer(secret) });
    expect(used.status).toBe(200);
    const [afterUse] = await ctx.db.select().from(apiKeys).where(eq(apiKeys.id, apiKey.id));
    expect(afterUse!.lastUsedAt).not.toBeNull();

    const revoked = await call(keyRoute.DELETE, { path: `/api/keys/${apiKey.id}`, method: "DELETE", headers: admin, params: { id: apiKey.id } });
    expect(revoked.body.apiKey.revokedAt).not.toBeNull();
    expect401(await call(documentsRoute.GET, { path: "/api/documents", headers: bearer(secret) }));
    expect401(await uploadAs(bearer(secret)));
  });

  it("only the admin manages keys", async () => {
    expect401(await call(keysRoute.GET, { path: "/api/keys" }));
    expect401(await call(keysRoute.POST, { path: "/api/keys", method: "POST", json: { name: "x" } }));
    const { secret } = await newKey("not an admin");
    expect401(await call(keysRoute.GET, { path: "/api/keys", headers: bearer(secret) }));
  });

  it("wrong, malformed and non-bearer credentials get the usual 401 error shape", async () => {
    const { secret } = await newKey("real");
    const wrongSecret = secret.slice(0, -4) + (secret.endsWith("AAAA") ? "BBBB" : "AAAA");
    const unknownPrefix = "pw_0000000000_" + secret.slice(14);
    for (const authorization of [`Bearer ${wrongSecret}`, `Bearer ${unknownPrefix}`, "Bearer nonsense", "Bearer ", "Basic dXNlcjpwYXNz", secret]) {
      expect401(await call(documentsRoute.GET, { path: "/api/documents", headers: { authorization } }));
    }
  });

  it("a key sees only its own documents: listed, read, exported, streamed; another key's are 404", async () => {
    const a = await newKey("a");
    const b = await newKey("b");
    const up1 = await uploadAs(bearer(a.secret), "a1.pdf");
    expect(up1.status).toBe(201);
    const created = createUploadResponseSchema.parse(up1.body);
    await uploadAs(bearer(a.secret), "a2.pdf");
    const anonymous = createUploadResponseSchema.parse((await uploadAs({}, "anon.pdf")).body);
    const id = created.document.id;
    await fetch(created.upload.url, { method: "PUT", headers: created.upload.headers, body: pdf });

    const params = { id };
    // b cannot complete, read, export, stream or page a's document, nor can an anonymous browser
    for (const headers of [bearer(b.secret), {}]) {
      expect((await call(completeRoute.POST, { path: `/api/documents/${id}/complete`, method: "POST", headers, params })).status).toBe(404);
      expect((await call(documentRoute.GET, { path: `/api/documents/${id}`, headers, params })).status).toBe(404);
      expect((await call(exportRoute.GET, { path: `/api/documents/${id}/export`, headers, params })).status).toBe(404);
      expect((await call(eventsRoute.GET, { path: `/api/documents/${id}/events`, headers, params })).status).toBe(404);
      expect((await call(pageRoute.GET, { path: `/api/documents/${id}/pages/1`, headers, params: { id, page: "1" } })).status).toBe(404);
    }
    // nor a's key a browser document
    const anonParams = { id: anonymous.document.id };
    expect((await call(documentRoute.GET, { path: `/api/documents/${anonymous.document.id}`, headers: bearer(a.secret), params: anonParams })).status).toBe(404);

    const completed = await call(completeRoute.POST, { path: `/api/documents/${id}/complete`, method: "POST", headers: bearer(a.secret), params });
    expect(completed.body.document.status).toBe("queued");
    expect((await call(documentRoute.GET, { path: `/api/documents/${id}`, headers: bearer(a.secret), params })).status).toBe(200);
    expect((await call(documentRoute.GET, { path: `/api/documents/${id}`, headers: admin, params })).status).toBe(200);

    const page1 = documentListSchema.parse((await call(documentsRoute.GET, { path: "/api/documents?pageSize=1&sort=filename&dir=asc", headers: bearer(a.secret) })).body);
    const page2 = documentListSchema.parse((await call(documentsRoute.GET, { path: "/api/documents?pageSize=1&page=2&sort=filename&dir=asc", headers: bearer(a.secret) })).body);
    expect(page1.total).toBe(2);
    expect([...page1.documents, ...page2.documents].map((d) => d.filename)).toEqual(["a1.pdf", "a2.pdf"]);
    const ofB = documentListSchema.parse((await call(documentsRoute.GET, { path: "/api/documents", headers: bearer(b.secret) })).body);
    expect(ofB).toMatchObject({ total: 0, documents: [] });
    const all = documentListSchema.parse((await call(documentsRoute.GET, { path: "/api/documents?pageSize=200", headers: admin })).body);
    expect(all.documents.map((d) => d.filename)).toEqual(expect.arrayContaining(["a1.pdf", "a2.pdf", "anon.pdf"]));
    expect401(await call(documentsRoute.GET, { path: "/api/documents" }));
  });

  it("limits requests per key, one key's excess never slowing another", async () => {
    const busy = await newKey("busy");
    const calm = await newKey("calm");
    const statuses: number[] = [];
    for (let i = 0; i <= REQUESTS_PER_MINUTE; i++) {
      statuses.push((await call(documentsRoute.GET, { path: "/api/documents", headers: bearer(busy.secret) })).status);
    }
    expect(statuses.slice(0, REQUESTS_PER_MINUTE).every((s) => s === 200)).toBe(true);
    const limited = await call(documentsRoute.GET, { path: "/api/documents", headers: bearer(busy.secret) });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("rate_limited");
    expect((await call(documentsRoute.GET, { path: "/api/documents", headers: bearer(calm.secret) })).status).toBe(200);
  });
});

describe("anonymous uploads setting", () => {
  const anonymous = { kind: "anonymous" } as const;
  it("is open in development, closed in production unless opened, and never blocks keys or the admin", () => {
    expect(() => assertCanUpload(anonymous, parseEnv({ NODE_ENV: "development" }))).not.toThrow();
    expect(() => assertCanUpload(anonymous, parseEnv({ NODE_ENV: "production" }))).toThrow(expect.objectContaining({ userMessage: expect.stringMatching(/API key/) }));
    expect(() => assertCanUpload(anonymous, parseEnv({ NODE_ENV: "development", ANONYMOUS_UPLOADS: "false" }))).toThrow(expect.objectContaining({ userMessage: expect.stringMatching(/API key/) }));
    expect(() => assertCanUpload(anonymous, parseEnv({ NODE_ENV: "production", ANONYMOUS_UPLOADS: "true" }))).not.toThrow();
    expect(() => assertCanUpload({ kind: "admin" }, parseEnv({ NODE_ENV: "production" }))).not.toThrow();
  });
});
