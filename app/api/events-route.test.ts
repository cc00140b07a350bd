import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it, vi } from "vitest";
import { insertDocument, lastEventId, transitionDocument } from "../../db/documents";
import { HEARTBEAT_MS } from "../../lib/server/stream";
import { testContext } from "../../scripts/test/context";
import { sseReader } from "../../scripts/test/sse";

/** GET /api/documents/:id/events, the real route: where it resumes from, and the heartbeat. */
const ctx = testContext();
afterAll(() => ctx.close());

async function documentWithHistory() {
  const id = randomUUID();
  await insertDocument(ctx.db, { id, filename: "s.pdf", sizeBytes: 10, objectKey: `documents/${id}/source.pdf`, uploadExpiresAt: new Date() });
  await transitionDocument(ctx.db, id, ["uploading"], { status: "queued" });
  const afterQueued = await lastEventId(ctx.db, id);
  await transitionDocument(ctx.db, id, ["queued"], { status: "processing", pageCount: 1 });
  return { id, afterQueued, processing: await lastEventId(ctx.db, id) };
}

async function open(id: string, init: { header?: string; query?: string }) {
  const { GET } = await import("./documents/[id]/events/route");
  const abort = new AbortController();
  const res = await GET(
    new Request(`http://pagewise.test/api/documents/${id}/events${init.query ?? ""}`, {
      headers: init.header === undefined ? {} : { "last-event-id": init.header },
      signal: abort.signal,
    }),
    { params: Promise.resolve({ id }) },
  );
  return { res, abort };
}

/**
 * The frames the stream has sent right after its snapshot (it stays open: the document is processing), as
 * "<event id>:<status>". A status frame carries the document as it is when the frame is written, so a replayed
 * event is known by its id, not by the status it shows.
 */
async function framesAfterSnapshot(id: string, init: { header?: string; query?: string }) {
  const { res, abort } = await open(id, init);
  expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
  const frames = sseReader(res.body!);
  const snapshot = await frames.next();
  expect(snapshot?.event.type).toBe("snapshot");
  // Closing the document makes the stream send whatever it replays, then the final status, then end.
  await transitionDocument(ctx.db, id, ["processing"], { status: "done" });
  const rest = [];
  for (let f = await frames.next(); f; f = await frames.next()) rest.push(`${f.id}:${f.event.type === "status" ? f.event.document.status : f.event.type}`);
  abort.abort();
  await transitionDocument(ctx.db, id, ["done"], { status: "processing" }); // for the next open
  return rest;
}

describe("GET /api/documents/:id/events", () => {
  it("resumes after Last-Event-ID, or after ?lastEventId= (EventSource cannot set headers on a first connect)", async () => {
    // The processing event is replayed (its id), then the final status.
    const replayed = (doc: { processing: number }) => [expect.stringMatching(new RegExp(`^${doc.processing}:`)), expect.stringMatching(/^\d+:done$/)];
    const a = await documentWithHistory();
    expect(await framesAfterSnapshot(a.id, { header: String(a.afterQueued) })).toEqual(replayed(a));
    const b = await documentWithHistory();
    expect(await framesAfterSnapshot(b.id, { query: `?lastEventId=${b.afterQueued}` })).toEqual(replayed(b));
    // The header wins over the query.
    const c = await documentWithHistory();
    expect(await framesAfterSnapshot(c.id, { header: String(c.afterQueued), query: "?lastEventId=999999999999" })).toEqual(replayed(c));
  });

  it("ignores a malformed Last-Event-ID: it starts from the snapshot", async () => {
    const { id, afterQueued } = await documentWithHistory();
    for (const bad of [`${afterQueued}abc`, "-1", "1e3", "9".repeat(16), ""]) {
      expect(await framesAfterSnapshot(id, { header: bad }), bad).toEqual([expect.stringMatching(/^\d+:done$/)]);
    }
  });

  it("answers 404 for an unknown document and 400 for a malformed id", async () => {
    expect((await open(randomUUID(), {})).res.status).toBe(404);
    expect((await open("not-a-uuid", {})).res.status).toBe(400);
  });

  it("sends a heartbeat comment every HEARTBEAT_MS while the document is in progress", async () => {
    const { id } = await documentWithHistory();
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    try {
      const { res, abort } = await open(id, {});
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let text = "";
      while (!text.includes("event: snapshot") && !text.includes('"type":"snapshot"')) text += decoder.decode((await reader.read()).value);
      expect(text).not.toContain(": heartbeat");
      vi.advanceTimersByTime(HEARTBEAT_MS);
      const next = decoder.decode((await reader.read()).value);
      expect(next).toMatch(/^: heartbeat \d+\n\n$/);
      abort.abort();
    } finally {
      vi.useRealTimers();
    }
  });
});
