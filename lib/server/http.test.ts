import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError } from "../errors";
import { handle, MAX_JSON_BYTES, parseDocumentId, parseJson } from "./http";

const post = (body: string, headers: Record<string, string> = {}) =>
  new Request("http://x/api", { method: "POST", body, headers: { "content-type": "application/json", ...headers } });
const schema = z.object({ filename: z.string().min(1), sizeBytes: z.number().int().positive() });

describe("request parsing at the API boundary", () => {
  it("accepts a valid body", async () => {
    await expect(parseJson(post('{"filename":"a.pdf","sizeBytes":3}'), schema)).resolves.toEqual({ filename: "a.pdf", sizeBytes: 3 });
  });

  it("refuses malformed JSON, wrong shapes and oversized bodies with distinct codes", async () => {
    await expect(parseJson(post("{not json"), schema)).rejects.toMatchObject({ code: "invalid_json" });
    await expect(parseJson(post('{"filename":"","sizeBytes":-1}'), schema)).rejects.toMatchObject({ code: "validation_failed" });
    const big = JSON.stringify({ filename: "x".repeat(MAX_JSON_BYTES), sizeBytes: 1 });
    await expect(parseJson(post(big), schema)).rejects.toMatchObject({ code: "payload_too_large" });
    // A lying (too small) Content-Length does not get past the streaming limit either.
    await expect(parseJson(post(big, { "content-length": "10" }), schema)).rejects.toMatchObject({ code: "payload_too_large" });
  });

  it("refuses a declared oversized body from its Content-Length, without reading it", async () => {
    let pulls = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls += 1;
        controller.enqueue(new TextEncoder().encode('{"filename":"a.pdf","sizeBytes":3}'));
        controller.close();
      },
    }, { highWaterMark: 0 }); // pulled only when read
    const request = new Request("http://x/api", {
      method: "POST",
      body,
      duplex: "half",
      headers: { "content-type": "application/json", "content-length": String(MAX_JSON_BYTES + 1) },
    } as RequestInit);
    expect(request.headers.get("content-length")).toBe(String(MAX_JSON_BYTES + 1)); // really sent
    await expect(parseJson(request, schema)).rejects.toMatchObject({ code: "payload_too_large" });
    expect(pulls).toBe(0);
  });

  it("refuses ids that are not UUIDs", () => {
    expect(() => parseDocumentId("../../etc/passwd")).toThrow(AppError);
    expect(parseDocumentId("0f8fad5b-d9cb-469f-a165-70867728950e")).toBe("0f8fad5b-d9cb-469f-a165-70867728950e");
  });

  it("answers errors as { error: { code, message } } with the mapped status, and hides internals", async () => {
    const known = await handle(async () => {
      throw new AppError("file_too_large", "internal detail", "Files are limited to 100 MB.");
    });
    expect(known.status).toBe(413);
    expect(await known.json()).toEqual({ error: { code: "file_too_large", message: "Files are limited to 100 MB." } });
    const unknown = await handle(async () => {
      throw new Error("connection string postgres://secret@db");
    });
    expect(unknown.status).toBe(500);
    expect(JSON.stringify(await unknown.json())).not.toContain("secret");
  });
});
