import "./webhooks.test-env";
import { createHmac } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import * as uploadsRoute from "../app/api/uploads/route";
import { webhookDeliveries, type WebhookDelivery } from "../db/schema";
import { undeliveredEndEvents } from "../db/webhooks";
import { parseEnv, webhookSecret } from "../lib/env";
import { createLogger } from "../lib/logger";
import { completeUpload, createUpload } from "../lib/server/uploads";
import { isPrivateAddress, resolveCallback } from "../lib/webhook-guard";
import { verifyWebhook, WEBHOOK_HEADERS } from "../lib/webhook-signature";
import { webhookEventSchema, type WebhookEvent } from "../lib/webhook-types";
import { buildDocument } from "../scripts/fixtures/test-pdf";
import { testContext, waitFor, waitForDocument } from "../scripts/test/context";
import { createTestDatabase } from "../scripts/test/databases";
import { call } from "../scripts/test/routes";
import { startWorker, type StartedWorker } from "./start";

/**
 * Webhooks through the real queue and a real HTTP receiver on loopback. A database of its own: every worker
 * listening to the shared one would otherwise race this file's worker for its deliveries.
 */
type Received = { path: string; headers: http.IncomingHttpHeaders; body: string };
const received: Received[] = [];
let flakyCalls = 0;
const receiver = http.createServer((req, res) => {
  let body = "";
  req.on("data", (c: Buffer) => (body += c.toString("utf8")));
  req.on("end", () => {
    received.push({ path: req.url ?? "", headers: req.headers, body });
    if (req.url === "/ok") res.writeHead(204).end();
    else if (req.url === "/flaky") res.writeHead(flakyCalls++ === 0 ? 500 : 200).end();
    else if (req.url === "/redirect") res.writeHead(302, { location: "http://169.254.169.254/latest" }).end();
    else if (req.url === "/slow") return; // never answers
    else res.writeHead(404).end();
  });
});

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let ctx: ReturnType<typeof testContext>;
let worker: StartedWorker;
let base: string;
let closedPort: number;

beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const spare = http.createServer();
  await new Promise<void>((resolve) => spare.listen(0, "127.0.0.1", resolve));
  closedPort = (spare.address() as AddressInfo).port;
  await new Promise((resolve) => spare.close(resolve));

  database = await createTestDatabase("webhooks");
  ctx = testContext({
    DATABASE_URL: database.url,
    QUEUE_SCHEMA: "q_webhooks",
    WEBHOOK_ALLOW_PRIVATE: "true",
    WEBHOOK_MAX_ATTEMPTS: "2",
    WEBHOOK_TIMEOUT_MS: "1000",
  });
  await ctx.queue();
  worker = await startWorker({ env: ctx.env, logger: createLogger("webhooks-worker") });
});
afterAll(async () => {
  await worker?.stop();
  await ctx?.close();
  await database?.drop();
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

async function processWithCallback(callbackUrl: string, opts: { pages?: number; callbackPages?: boolean } = {}) {
  const bytes = buildDocument(opts.pages ?? 1);
  const { document, upload } = await createUpload(
    ctx,
    { filename: "hook.pdf", sizeBytes: bytes.length, contentType: "application/pdf" },
    { callbackUrl, callbackPages: opts.callbackPages ?? false },
  );
  expect((await fetch(upload.url, { method: "PUT", headers: upload.headers, body: new Uint8Array(bytes) })).ok).toBe(true);
  await completeUpload({ ...ctx, queue: await ctx.queue() }, document.id);
  return document.id;
}

const deliveriesOf = (documentId: string) => ctx.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.documentId, documentId));

/** Waits until the document's deliveries (`count` of them) have all stopped being pending. */
const settled = (documentId: string, count: number) =>
  waitFor(
    async () => {
      const rows = await deliveriesOf(documentId);
      return rows.length === count && rows.every((r) => r.status !== "pending") ? rows : null;
    },
    { what: "webhook deliveries to settle", timeoutMs: 60_000 },
  );

const eventsAt = (path: string) => received.filter((r) => r.path === path).map((r) => webhookEventSchema.parse(JSON.parse(r.body)) as WebhookEvent);

describe("webhooks", () => {
  it("POSTs signed events for each page and the document's end; the signature verifies with the documented recipe", async () => {
    const id = await processWithCallback(`${base}/ok`, { pages: 2, callbackPages: true });
    const { doc } = await waitForDocument(ctx, id);
    expect(doc.status).toBe("done");
    const rows = await settled(id, 3);
    expect(rows.map((r) => r.status)).toEqual(["delivered", "delivered", "delivered"]);
    expect(rows.every((r) => r.attempts === 1 && r.lastStatusCode === 204 && r.lastError === null)).toBe(true);

    const mine = received.filter((r) => r.path === "/ok" && JSON.parse(r.body).document.id === id);
    const events = mine.map((r) => webhookEventSchema.parse(JSON.parse(r.body)));
    expect(events.map((e) => e.type).sort()).toEqual(["document.done", "page.done", "page.done"]);
    expect(events.filter((e) => e.type === "page.done").map((e) => e.page?.pageNumber).sort()).toEqual([1, 2]);
    expect(events.find((e) => e.type === "document.done")?.document).toMatchObject({ id, status: "done", pagesDone: 2 });
    for (const r of mine) {
      const secret = webhookSecret(ctx.env);
      const headers = { timestamp: String(r.headers[WEBHOOK_HEADERS.timestamp]), signature: String(r.headers[WEBHOOK_HEADERS.signature]) };
      // The README's recipe, independent of our signing code
      expect(headers.signature).toBe(`v1=${createHmac("sha256", secret).update(`${headers.timestamp}.${r.body}`).digest("hex")}`);
      expect(verifyWebhook(secret, headers, r.body)).toBe(true);
      expect(verifyWebhook("another secret", headers, r.body)).toBe(false);
      expect(verifyWebhook(secret, headers, r.body.replace('"done"', '"failed"'))).toBe(false);
      expect(r.headers[WEBHOOK_HEADERS.id]).toBe(JSON.parse(r.body).id);
      expect(r.headers["content-type"]).toBe("application/json");
    }
  });

  it("retries after a 500 with the same event id, and records the success", async () => {
    const id = await processWithCallback(`${base}/flaky`);
    const [row] = await settled(id, 1);
    expect(row).toMatchObject({ status: "delivered", attempts: 2, lastStatusCode: 200, lastError: null, type: "document.done" });
    const sent = eventsAt("/flaky").filter((e) => e.document.id === id);
    expect(sent).toHaveLength(2);
    expect(sent[0]!.id).toBe(sent[1]!.id);
    expect(sent[0]!.id).toBe(row!.id);
  });

  it("a receiver that is down, too slow or redirecting is retried, then marked failed; the documents still finish", async () => {
    const down = await processWithCallback(`http://127.0.0.1:${closedPort}/hook`);
    const slow = await processWithCallback(`${base}/slow`);
    const moved = await processWithCallback(`${base}/redirect`);
    const outcome = async (id: string): Promise<WebhookDelivery> => {
      expect((await waitForDocument(ctx, id)).doc.status).toBe("done");
      const [row] = await settled(id, 1);
      return row!;
    };
    expect(await outcome(down)).toMatchObject({ status: "failed", attempts: 2, lastStatusCode: null, lastError: expect.stringMatching(/ECONNREFUSED/) });
    expect(await outcome(slow)).toMatchObject({ status: "failed", attempts: 2, lastStatusCode: null, lastError: "no answer within 1000 ms" });
    expect(await outcome(moved)).toMatchObject({
      status: "failed",
      attempts: 2,
      lastStatusCode: 302,
      lastError: "redirect (HTTP 302 to http://169.254.169.254/latest) not followed",
    });
    expect(received.filter((r) => r.path === "/latest")).toEqual([]);
  });
});

describe("webhook sweep", () => {
  it("creates and delivers the event of a document end that no listening worker turned into a delivery", async () => {
    const id = await processWithCallback(`${base}/ok`);
    const [first] = await settled(id, 1);
    expect(first!.status).toBe("delivered");
    // As if no worker had been listening when the document ended: the delivery never came to be.
    await ctx.db.delete(webhookDeliveries).where(eq(webhookDeliveries.documentId, id));
    const { eventIds } = await undeliveredEndEvents(ctx.db, ctx.env.QUEUE_SCHEMA);
    expect(eventIds).toHaveLength(1);
    await (await ctx.queue()).addJob("webhooks__sweep", {});
    const [again] = await settled(id, 1);
    expect(again).toMatchObject({ status: "delivered", type: "document.done", dedupeKey: first!.dedupeKey });
    expect((await undeliveredEndEvents(ctx.db, ctx.env.QUEUE_SCHEMA)).eventIds).toEqual([]);
  });
});

describe("SSRF guard", () => {
  it("refuses loopback, private and link-local addresses, literal or resolved, and allows public ones", async () => {
    for (const a of ["127.0.0.1", "10.1.2.3", "172.20.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fd00::1", "::ffff:127.0.0.1"]) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"]) expect(isPrivateAddress(a), a).toBe(false);
    await expect(resolveCallback(new URL("http://[::1]:8080/x"), false)).rejects.toMatchObject({ code: "callback_url_refused" });
    await expect(resolveCallback(new URL("http://localhost/x"), false)).rejects.toMatchObject({ code: "callback_url_refused" });
    await expect(resolveCallback(new URL("http://rebind.test/x"), false, async () => [{ address: "93.184.216.34", family: 4 }, { address: "10.0.0.5", family: 4 }])).rejects.toMatchObject({ code: "callback_url_refused" });
    await expect(resolveCallback(new URL("http://93.184.216.34/x"), false)).resolves.toEqual([{ address: "93.184.216.34", family: 4 }]);
    await expect(resolveCallback(new URL("http://localhost/x"), true)).resolves.toBeTruthy();
  });

  it("the upload route refuses a private callback URL with a 400 that names the address", async () => {
    expect(parseEnv(process.env).WEBHOOK_ALLOW_PRIVATE).toBe(false);
    const res = await call(uploadsRoute.POST, {
      path: "/api/uploads",
      method: "POST",
      json: { filename: "a.pdf", sizeBytes: 100, contentType: "application/pdf", callbackUrl: `${base}/ok` },
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "callback_url_refused", message: expect.stringMatching(/127\.0\.0\.1/) });
  });
});
