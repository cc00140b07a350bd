import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { insertDocument, transitionDocument } from "../../db/documents";
import { recordEvent } from "../../db/events";
import { pages } from "../../db/schema";
import { testContext } from "../../scripts/test/context";
import { sseReader as reader, type SseFrame } from "../../scripts/test/sse";
import { createEventHub } from "./event-hub";
import { documentEventStream } from "./stream";

const ctx = testContext();
const hub = createEventHub(ctx.sql);
afterAll(() => ctx.close());

async function newDocument() {
  const id = randomUUID();
  await insertDocument(ctx.db, { id, filename: "s.pdf", sizeBytes: 10, objectKey: `documents/${id}/source.pdf`, uploadExpiresAt: new Date() });
  return id;
}

describe("document event stream", () => {
  it("starts with the current state, then delivers live events in order, and ends with the document", async () => {
    const id = await newDocument();
    const abort = new AbortController();
    const frames = reader(documentEventStream({ db: ctx.db, hub }, id, null, abort.signal));
    const first = await frames.next();
    expect(first?.event).toMatchObject({ type: "snapshot", document: { id, status: "uploading" }, pages: [] });

    await transitionDocument(ctx.db, id, ["uploading"], { status: "queued" });
    await transitionDocument(ctx.db, id, ["queued"], { status: "processing", pageCount: 1 });
    await ctx.db.insert(pages).values({ documentId: id, pageNumber: 1, status: "done", detectionCount: 0 });
    await recordEvent(ctx.db, id, "page", { pageNumber: 1 });
    await transitionDocument(ctx.db, id, ["processing"], { status: "done" });

    const seen: SseFrame[] = [];
    for (let f = await frames.next(); f; f = await frames.next()) seen.push(f);
    expect(seen.map((f) => f.event.type)).toEqual(["status", "status", "page", "status"]);
    expect(seen.at(-1)?.event).toMatchObject({ type: "status", document: { status: "done" } });
    const ids = seen.map((f) => f.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(ids[0]!).toBeGreaterThan(first!.id);
  });

  it("replays what a client missed after Last-Event-ID", async () => {
    const id = await newDocument();
    await transitionDocument(ctx.db, id, ["uploading"], { status: "queued" });
    const abort = new AbortController();
    const live = reader(documentEventStream({ db: ctx.db, hub }, id, null, abort.signal));
    const snapshot = await live.next();
    abort.abort();

    // While the client is away, the document moves on.
    await transitionDocument(ctx.db, id, ["queued"], { status: "processing", pageCount: 2 });
    await ctx.db.insert(pages).values({ documentId: id, pageNumber: 2, status: "done" });
    await recordEvent(ctx.db, id, "page", { pageNumber: 2 });

    const stop = new AbortController();
    const resumed = reader(documentEventStream({ db: ctx.db, hub }, id, snapshot!.id, stop.signal));
    const again = await resumed.next();
    expect(again?.event).toMatchObject({ type: "snapshot", document: { status: "processing", pageCount: 2 } });
    const missed = [await resumed.next(), await resumed.next()];
    expect(missed.map((f) => f?.event.type)).toEqual(["status", "page"]);
    expect(missed[1]?.event).toMatchObject({ type: "page", page: { pageNumber: 2, status: "done" } });
    expect(missed[0]!.id).toBeGreaterThan(snapshot!.id);
    stop.abort();
  });
});
