import type { Db } from "../../db/client";
import { eventsAfter, getDocument, getPage, lastEventId, listPages, pageDetections } from "../../db/documents";
import { toDocumentDto, toPageDto, toRunDto } from "../../db/dto";
import { listRunsWithPages } from "../../db/runs";
import { servedModels } from "../../db/workers";
import { env } from "../env";
import type { StreamEvent } from "../api-types";
import type { EventHub } from "./event-hub";

/** Heroku's router closes connections idle for 55 s; comment lines keep the stream alive. */
export const HEARTBEAT_MS = 15_000;
const TERMINAL = new Set(["done", "failed", "cancelled"]);

const encoder = new TextEncoder();
const frame = (id: number, event: StreamEvent) => encoder.encode(`id: ${id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);

/**
 * A document's server-sent event stream: first the current state from the database, then every event
 * after `Last-Event-ID` (or after the snapshot), then live events until the document ends.
 * Events are re-read from the database by id, so a NOTIFY missed during a reconnect is caught up on.
 */
export function documentEventStream(deps: { db: Db; hub: EventHub }, documentId: string, lastSeen: number | null, signal: AbortSignal) {
  let cursor = 0;
  let closed = false;
  // Notifications (and LISTEN's first "connected" callback) can arrive before the snapshot is sent;
  // until then they are ignored: the drain right after the snapshot reads everything they announced.
  let snapshotSent = false;
  let unsubscribe: (() => void) | undefined;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let draining = Promise.resolve();

  return new ReadableStream<Uint8Array>({
    async start(controller) {
      const close = () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        unsubscribe?.();
        try {
          controller.close();
        } catch {
          // already closed by the client
        }
      };
      signal.addEventListener("abort", close);

      const drain = () => {
        draining = draining.then(async () => {
          if (closed || !snapshotSent) return;
          const events = await eventsAfter(deps.db, documentId, cursor);
          for (const event of events) {
            if (closed) return;
            cursor = event.id;
            const out = await render(deps.db, documentId, event.type, event.payload as Record<string, unknown>);
            if (out) controller.enqueue(frame(event.id, out));
            // A replayed history ends where the document ended, unless a later run is still in progress; a run
            // event (which carries the run as it is now) ends the stream once that run and the document are over.
            const over =
              (event.type === "status" && TERMINAL.has(String((event.payload as { status?: string }).status))) ||
              (out?.type === "run" && TERMINAL.has(out.run.status));
            if (over && (await ended(deps.db, documentId))) return close();
          }
        }).catch(() => close());
        return draining;
      };

      // Subscribe before reading the snapshot so nothing between the two is missed.
      unsubscribe = await deps.hub.subscribe(documentId, () => void drain(), () => void drain());
      const snapshotId = await lastEventId(deps.db, documentId);
      const doc = await getDocument(deps.db, documentId);
      if (!doc) return close();
      const pageRows = await listPages(deps.db, documentId);
      controller.enqueue(frame(snapshotId, { type: "snapshot", document: toDocumentDto(doc, await servedModels(deps.db, env().WORKER_DEAD_AFTER_MS)), pages: pageRows.map((p) => toPageDto(p)) }));
      cursor = lastSeen !== null && lastSeen < snapshotId ? lastSeen : snapshotId;
      snapshotSent = true;
      if (TERMINAL.has(doc.status) && cursor >= snapshotId && !(await runActive(deps.db, documentId))) return close();
      heartbeat = setInterval(() => {
        if (!closed) controller.enqueue(encoder.encode(`: heartbeat ${Date.now()}\n\n`));
      }, HEARTBEAT_MS);
      await drain();
    },
    cancel() {
      closed = true;
      clearInterval(heartbeat);
      unsubscribe?.();
    },
  });
}

async function render(db: Db, documentId: string, type: string, payload: Record<string, unknown>): Promise<StreamEvent | null> {
  if (type === "run" && typeof payload.run === "number") {
    const found = (await listRunsWithPages(db, documentId)).find((r) => r.run.number === payload.run);
    if (!found) return null;
    return { type: "run", run: toRunDto(found.run, found.pageCount, await servedModels(db, env().WORKER_DEAD_AFTER_MS)), pageNumber: typeof payload.pageNumber === "number" ? payload.pageNumber : null };
  }
  if (type === "page" && typeof payload.pageNumber === "number") {
    const page = await getPage(db, documentId, payload.pageNumber);
    if (!page) return null;
    const dets = page.status === "done" ? await pageDetections(db, page.id) : undefined;
    return { type: "page", page: toPageDto(page, dets) };
  }
  const doc = await getDocument(db, documentId);
  return doc ? { type: "status", document: toDocumentDto(doc, await servedModels(db, env().WORKER_DEAD_AFTER_MS)) } : null;
}

/** A later run still in progress keeps the stream of a finished document open. */
async function runActive(db: Db, documentId: string) {
  return (await listRunsWithPages(db, documentId)).some(({ run }) => run.number > 1 && (run.status === "queued" || run.status === "processing"));
}

/** The stream ends when the document has ended and no later run is in progress. */
async function ended(db: Db, documentId: string) {
  const doc = await getDocument(db, documentId);
  return !doc || (TERMINAL.has(doc.status) && !(await runActive(db, documentId)));
}
