import { z } from "zod";
import { apiErrorSchema, createUploadResponseSchema, documentSchema, streamEventSchema, type DocumentDto, type StreamEvent } from "../../lib/api-types";

/** The server's error message (its `{ error: { code, message } }`), or the HTTP status when it sent none. */
export class ServerError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ServerError";
  }
}

export type Client = ReturnType<typeof createClient>;

export function createClient(opts: { url: string; key?: string }) {
  const base = opts.url.replace(/\/+$/, "");
  const auth: Record<string, string> = opts.key ? { authorization: `Bearer ${opts.key}` } : {};

  async function request(path: string, init: RequestInit = {}): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, { ...init, headers: { ...auth, ...(init.headers as Record<string, string>) } });
    } catch (error) {
      throw new ServerError(0, "network", `Could not reach ${base} (${error instanceof Error ? (error.cause as Error | undefined)?.message ?? error.message : String(error)}).`);
    }
    if (!res.ok) {
      const body = apiErrorSchema.safeParse(await res.json().catch(() => null));
      throw body.success ? new ServerError(res.status, body.data.error.code, body.data.error.message) : new ServerError(res.status, "http_error", `HTTP ${res.status} from ${path}`);
    }
    return res;
  }

  async function json<S extends z.ZodType>(path: string, schema: S, init: RequestInit & { json?: unknown } = {}): Promise<z.output<S>> {
    const { json: body, ...rest } = init;
    const res = await request(path, {
      ...rest,
      ...(body !== undefined ? { body: JSON.stringify(body), headers: { "content-type": "application/json" } } : {}),
    });
    const parsed = schema.safeParse(await res.json());
    if (!parsed.success) throw new ServerError(res.status, "bad_response", `Unexpected answer from ${path}: ${z.prettifyError(parsed.error)}`);
    return parsed.data;
  }

  return {
    base,
    createUpload: (input: { filename: string; sizeBytes: number; contentType: string; pages?: string; model?: string }) =>
      json("/api/uploads", createUploadResponseSchema, { method: "POST", json: input }),

    /** PUTs the file to its presigned URL, reporting bytes as the body is read off. */
    async put(upload: { url: string; headers: Record<string, string> }, bytes: Uint8Array, onProgress: (sent: number) => void) {
      const CHUNK = 256 * 1024;
      let offset = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (offset >= bytes.length) return controller.close();
          const chunk = bytes.subarray(offset, Math.min(offset + CHUNK, bytes.length));
          offset += chunk.length;
          controller.enqueue(chunk);
          onProgress(offset);
        },
      });
      let res: Response;
      try {
        res = await fetch(upload.url, {
          method: "PUT",
          headers: { ...upload.headers, "content-length": String(bytes.length) },
          body,
          duplex: "half",
        } as RequestInit);
      } catch (error) {
        throw new ServerError(0, "network", `The upload to storage failed (${error instanceof Error ? error.message : String(error)}).`);
      }
      if (!res.ok) throw new ServerError(res.status, "upload_failed", `Storage refused the upload (HTTP ${res.status}).`);
    },

    complete: (id: string) => json(`/api/documents/${id}/complete`, z.object({ document: documentSchema }), { method: "POST" }).then((r) => r.document),

    getDocument: (id: string) => json(`/api/documents/${id}`, z.object({ document: documentSchema })).then((r) => r.document),

    /** The export exactly as the server sends it (the bytes are written out unchanged). */
    async exportDocument(id: string, format: string): Promise<Uint8Array> {
      const res = await request(`/api/documents/${id}/export?format=${encodeURIComponent(format)}`);
      return new Uint8Array(await res.arrayBuffer());
    },

    /**
     * Follows the document's event stream until it ends, resuming with Last-Event-ID when the connection
     * drops; returns the document's final state.
     */
    async follow(id: string, onEvent: (event: StreamEvent) => void, signal?: AbortSignal): Promise<DocumentDto> {
      let lastId: string | null = null;
      let failures = 0;
      for (;;) {
        try {
          const res = await request(`/api/documents/${id}/events`, { headers: lastId ? { "last-event-id": lastId } : {}, signal });
          const reader = res.body!.getReader();
          const decoder = new TextDecoder();
          let buffer = "";
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            buffer += decoder.decode(value, { stream: true });
            let end: number;
            while ((end = buffer.indexOf("\n\n")) >= 0) {
              const block = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              const eventId = /^id: (\d+)$/m.exec(block)?.[1];
              const data = /^data: (.*)$/m.exec(block)?.[1];
              if (eventId) lastId = eventId;
              if (!data) continue;
              const event = streamEventSchema.parse(JSON.parse(data));
              onEvent(event);
              failures = 0;
              if ((event.type === "snapshot" || event.type === "status") && ["done", "failed", "cancelled"].includes(event.document.status)) {
                await reader.cancel().catch(() => {});
                return event.document;
              }
            }
          }
        } catch (error) {
          if (error instanceof ServerError && error.status >= 400 && error.status < 500) throw error;
          if (++failures > 5) throw error;
        }
        // The stream ended without the document ending (a restart, a proxy timeout): ask where it stands.
        const doc = await this.getDocument(id);
        if (["done", "failed", "cancelled"].includes(doc.status)) return doc;
        await new Promise((r) => setTimeout(r, 500 * failures));
      }
    },
  };
}
