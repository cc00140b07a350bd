import type { APIRequestContext, Page } from "@playwright/test";

/** Uploads through the public API, exactly as the browser does, and returns the document id. */
export async function uploadViaApi(request: APIRequestContext, bytes: Uint8Array, filename: string): Promise<string> {
  const created = await request.post("/api/uploads", { data: { filename, sizeBytes: bytes.length, contentType: "application/pdf" } });
  if (created.status() !== 201) throw new Error(`create upload: ${created.status()} ${await created.text()}`);
  const { document, upload } = (await created.json()) as { document: { id: string }; upload: { url: string; headers: Record<string, string> } };
  const put = await request.put(upload.url, { headers: upload.headers, data: Buffer.from(bytes) });
  if (!put.ok()) throw new Error(`PUT to storage: ${put.status()} ${await put.text()}`);
  const done = await request.post(`/api/documents/${document.id}/complete`);
  if (!done.ok()) throw new Error(`complete: ${done.status()}`);
  return document.id;
}

/** Drops files on an element the way a person drags them from the desktop. */
export async function dropFiles(page: Page, selector: string, files: { name: string; type: string; bytes: Uint8Array }[]) {
  const payload = files.map((f) => ({ name: f.name, type: f.type, b64: Buffer.from(f.bytes).toString("base64") }));
  const dataTransfer = await page.evaluateHandle((items) => {
    const dt = new DataTransfer();
    for (const item of items) {
      const bin = Uint8Array.from(atob(item.b64), (c) => c.charCodeAt(0));
      dt.items.add(new File([bin], item.name, { type: item.type }));
    }
    return dt;
  }, payload);
  await page.dispatchEvent(selector, "dragenter", { dataTransfer });
  await page.dispatchEvent(selector, "dragover", { dataTransfer });
  await page.dispatchEvent(selector, "drop", { dataTransfer });
}

export const ADMIN_PASSWORD = "e2e-admin-password";
