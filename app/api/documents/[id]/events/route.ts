import { env } from "@/lib/env";
import { identifyCaller, visibleDocument } from "@/lib/server/callers";
import { db, eventHub } from "@/lib/server/context";
import { handle, parseDocumentId } from "@/lib/server/http";
import { documentEventStream } from "@/lib/server/stream";

export const dynamic = "force-dynamic";

export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return handle(async () => {
    const id = parseDocumentId((await params).id);
    await visibleDocument({ db: db() }, await identifyCaller({ db: db(), env: env() }, request), id);
    const header = request.headers.get("last-event-id") ?? new URL(request.url).searchParams.get("lastEventId");
    const lastSeen = header && /^\d{1,15}$/.test(header) ? Number(header) : null;
    const stream = documentEventStream({ db: db(), hub: eventHub() }, id, lastSeen, request.signal);
    return new Response(stream, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      },
    });
  });
}
