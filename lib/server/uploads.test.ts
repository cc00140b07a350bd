import { afterAll, describe, expect, it } from "vitest";
import { getDocument } from "../../db/documents";
import { headObject } from "../s3";
import { testContext } from "../../scripts/test/context";
import { handle } from "./http";
import { cleanFilename, completeUpload, createUpload } from "./uploads";

const ctx = testContext({ QUEUE_SCHEMA: "q_uploads" });
afterAll(() => ctx.close());

const pdfBytes = (size: number) => {
  const body = Buffer.alloc(size, 0x20);
  body.write("%PDF-1.7\n", 0, "latin1");
  return body;
};

async function jobsFor(documentId: string) {
  const queue = await ctx.queue();
  return queue.withPgClient(async (client) => {
    const res = await client.query(`select task_identifier, key from "${ctx.env.QUEUE_SCHEMA}".jobs where key = $1`, [`document:${documentId}`]);
    return res.rows as { task_identifier: string; key: string }[];
  });
}

describe("browser-to-S3 upload", () => {
  it("presigns a PUT the store accepts, then queues the document on complete", async () => {
    const body = pdfBytes(2048);
    const { document, upload } = await createUpload(ctx, { filename: "report.pdf", sizeBytes: body.length, contentType: "application/pdf" });
    expect(document.status).toBe("uploading");
    expect(upload.url).not.toContain("report.pdf"); // the server chooses the key

    const put = await fetch(upload.url, { method: "PUT", headers: upload.headers, body });
    expect(put.status).toBe(200);
    expect((await headObject(ctx.storage, document.objectKey))?.size).toBe(2048);

    const queued = await completeUpload({ ...ctx, queue: await ctx.queue() }, document.id);
    expect(queued.status).toBe("queued");
    expect(await jobsFor(document.id)).toEqual([{ task_identifier: "document__process@baseline-heuristic", key: `document:${document.id}` }]);
  });

  it("records the model asked for and routes the document's job to it; an unknown model is a 400 naming the installed ones", async () => {
    const body = pdfBytes(1024);
    const { document, upload } = await createUpload(ctx, { filename: "m.pdf", sizeBytes: body.length, contentType: "application/pdf", model: "baseline-heuristic" });
    expect(document).toMatchObject({ modelId: "baseline-heuristic", modelKind: "heuristic", modelName: expect.stringMatching(/Heuristic baseline/) });
    await fetch(upload.url, { method: "PUT", headers: upload.headers, body });
    await completeUpload({ ...ctx, queue: await ctx.queue() }, document.id);
    expect(await jobsFor(document.id)).toEqual([{ task_identifier: "document__process@baseline-heuristic", key: `document:${document.id}` }]);

    const refused = await handle(async () => Response.json(await createUpload(ctx, { filename: "x.pdf", sizeBytes: 10, contentType: "application/pdf", model: "no-such-model" })));
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ error: { code: "unknown_model", message: 'Model "no-such-model" is not installed. Installed models: baseline-heuristic.' } });
  });

  it("the signature binds the declared size: a different body is refused by the store", async () => {
    const { upload } = await createUpload(ctx, { filename: "a.pdf", sizeBytes: 1000, contentType: "application/pdf" });
    const put = await fetch(upload.url, { method: "PUT", headers: upload.headers, body: pdfBytes(1001) });
    expect(put.status).toBe(403);
  });

  it("fails the document and deletes the object when it is not a PDF", async () => {
    const body = Buffer.from("<html>not a pdf</html>");
    const { document, upload } = await createUpload(ctx, { filename: "fake.pdf", sizeBytes: body.length, contentType: "application/pdf" });
    await fetch(upload.url, { method: "PUT", headers: upload.headers, body });
    const result = await completeUpload({ ...ctx, queue: await ctx.queue() }, document.id);
    expect(result.status).toBe("failed");
    expect(result.errorCode).toBe("pdf_invalid");
    expect(result.errorMessage).toMatch(/not a PDF/);
    expect(result.errorMessage).toMatch(/: it is an HTML page\.$/);
    expect(await headObject(ctx.storage, document.objectKey)).toBeNull();
    expect(await jobsFor(document.id)).toEqual([]);
  });

  it("fails the document when nothing was uploaded", async () => {
    const { document } = await createUpload(ctx, { filename: "ghost.pdf", sizeBytes: 10, contentType: "application/pdf" });
    const result = await completeUpload({ ...ctx, queue: await ctx.queue() }, document.id);
    expect(result.errorCode).toBe("upload_missing");
    expect((await getDocument(ctx.db, document.id))?.status).toBe("failed");
  });

  it("refuses files over the limit and non-PDF types before creating anything", async () => {
    await expect(
      createUpload(ctx, { filename: "big.pdf", sizeBytes: ctx.env.MAX_UPLOAD_MB * 1024 * 1024 + 1, contentType: "application/pdf" }),
    ).rejects.toMatchObject({ code: "file_too_large" });
    await expect(createUpload(ctx, { filename: "x.gif", sizeBytes: 10, contentType: "image/gif" })).rejects.toMatchObject({
      code: "unsupported_type",
    });
  });
});

describe("cleanFilename", () => {
  it("drops directories, control characters and bounds the length, keeping the extension", () => {
    expect(cleanFilename("../../etc/passwd.pdf")).toBe("passwd.pdf");
    expect(cleanFilename("C:\\Users\\me\\scan.pdf")).toBe("scan.pdf");
    expect(cleanFilename("bad\u0000name\u001b[31m.pdf")).toBe("badname[31m.pdf");
    const long = cleanFilename("x".repeat(1000) + ".pdf");
    expect(long).toHaveLength(200);
    expect(long.endsWith(".pdf")).toBe(true);
    expect(cleanFilename("///")).toBe("document.pdf");
  });

  it("drops bidi controls and the other invisible format characters (Unicode Cf), so a name reads as what it is", () => {
    // U+202E RIGHT-TO-LEFT OVERRIDE shows "a\u202eFDP.exe.pdf" as "apdf.exe.PDF".
    expect(cleanFilename("a\u202eFDP.exe.pdf")).toBe("aFDP.exe.pdf");
    const bidi = ["\u061c", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"];
    for (const c of bidi) expect(cleanFilename(`re${c}port.pdf`), `U+${c.codePointAt(0)!.toString(16)}`).toBe("report.pdf");
    // Zero-width space and joiners, word joiner, soft hyphen, BOM, a tag character, an interlinear annotation mark.
    expect(cleanFilename("in\u200bvi\u200csi\u200dble\u2060\u00ad\ufeff\u{e0041}\ufff9.pdf")).toBe("invisible.pdf");
    expect(cleanFilename("\u202e\u2066")).toBe("document.pdf");
    // What is visible stays: accents, other scripts, emoji.
    expect(cleanFilename("Résumé — 履歴書 📄.pdf")).toBe("Résumé — 履歴書 📄.pdf");
    expect(cleanFilename("تقرير.pdf")).toBe("تقرير.pdf");
  });

  it("stores the cleaned name, so the list and the viewer show it", async () => {
    const { document } = await createUpload(ctx, { filename: "invoice\u202efdp.exe.pdf", sizeBytes: 10, contentType: "application/pdf" });
    expect(document.filename).toBe("invoicefdp.exe.pdf");
    expect((await getDocument(ctx.db, document.id))?.filename).toBe("invoicefdp.exe.pdf");
  });
});
