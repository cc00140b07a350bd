import { streamEventSchema, type StreamEvent } from "../../lib/api-types";

export type SseFrame = { id: number; event: StreamEvent };

/** Reads server-sent event frames off a document stream as a browser would (heartbeats skipped). */
export function sseReader(stream: ReadableStream<Uint8Array>) {
  const r = stream.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  return {
    /** The next frame, or null once the server ended the stream. */
    async next(): Promise<SseFrame | null> {
      for (;;) {
        const end = buffer.indexOf("\n\n");
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.startsWith(":")) continue;
          const id = Number(/^id: (\d+)$/m.exec(block)?.[1]);
          const data = /^data: (.*)$/m.exec(block)?.[1] ?? "null";
          return { id, event: streamEventSchema.parse(JSON.parse(data)) };
        }
        const { done, value } = await r.read();
        if (done) return null;
        buffer += decoder.decode(value, { stream: true });
      }
    },
    cancel: () => r.cancel(),
  };
}
