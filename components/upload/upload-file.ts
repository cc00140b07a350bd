import type { DocumentDto } from "@/lib/api-types";
import { completeUpload, createUpload } from "@/components/api/endpoints";
import { formatBytes } from "@/components/format";
import { acceptedContentType, ACCEPTED_NAMES } from "@/lib/accepted-files";

/** The type a file is uploaded as: its own when accepted, else its extension's (a browser may declare another). */
const uploadType = (file: File) => acceptedContentType(file.type, file.name) ?? acceptedContentType("", file.name);

/** Client-side checks before anything is sent: a PDF or image (by MIME type or extension), not empty, under the limit. */
export function checkFile(file: File, maxBytes: number): string | null {
  if (!uploadType(file)) return `${file.name} is not a PDF nor an image Pagewise reads. Only ${ACCEPTED_NAMES} files can be processed.`;
  if (file.size === 0) return `${file.name} is empty.`;
  if (file.size > maxBytes) return `${file.name} is ${formatBytes(file.size)}, over the ${formatBytes(maxBytes)} limit.`;
  return null;
}

/** S3-style XML errors carry a <Message>; show it when there is one. */
function storageMessage(xhr: XMLHttpRequest): string {
  const text = typeof xhr.responseText === "string" ? xhr.responseText : "";
  const match = /<Message>([^<]{1,300})<\/Message>/.exec(text);
  return match?.[1] ? ` ${match[1]}` : "";
}

/** PUTs the file body straight to storage, reporting bytes sent. */
export function putFile(
  url: string,
  headers: Record<string, string>,
  file: File,
  onProgress: (loaded: number) => void,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", url);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => onProgress(event.loaded);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(file.size);
        resolve();
      } else {
        reject(new Error(`Storage refused the upload (HTTP ${xhr.status}).${storageMessage(xhr)}`));
      }
    };
    xhr.onerror = () => reject(new Error("The upload was interrupted. Check your connection and try again."));
    xhr.ontimeout = () => reject(new Error("The upload timed out. Please try again."));
    xhr.onabort = () => reject(new Error("The upload was stopped."));
    signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}

/**
 * The whole upload of one file: ask for a presigned URL, send the bytes to storage, then tell the server
 * the upload is complete. Returns the document as the server left it (queued, or failed with a reason).
 */
export async function uploadDocument(
  file: File,
  hooks: { onCreated: (document: DocumentDto) => void; onProgress: (loaded: number) => void; onSent: () => void },
  signal?: AbortSignal,
  model?: string,
): Promise<DocumentDto> {
  const { document, upload } = await createUpload({ filename: file.name, sizeBytes: file.size, contentType: uploadType(file)!, model });
  hooks.onCreated(document);
  await putFile(upload.url, upload.headers, file, hooks.onProgress, signal);
  hooks.onSent();
  return completeUpload(document.id);
}
