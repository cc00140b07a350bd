import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NotFound,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { Env } from "./env";

/** A presigned upload is usable this long after the server hands it out. */
export const UPLOAD_URL_TTL_SECONDS = 15 * 60;
/** Page images and downloads are fetched through URLs that live this long. */
export const DOWNLOAD_URL_TTL_SECONDS = 5 * 60;

export type Storage = {
  client: S3Client;
  /** Signs URLs for the browser, which may reach the store at another address than the server does. */
  publicClient: S3Client;
  bucket: string;
};

function clientFor(env: Env, endpoint: string | undefined) {
  return new S3Client({
    region: env.S3_REGION,
    endpoint,
    forcePathStyle: env.S3_FORCE_PATH_STYLE,
    credentials:
      env.S3_ACCESS_KEY_ID && env.S3_SECRET_ACCESS_KEY
        ? { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY }
        : undefined,
    maxAttempts: 3,
    // Checksums only where S3 requires them: presigned PUTs must not carry a checksum of an empty body,
    // and S3-compatible stores (MinIO, R2, the local store) do not all support the newer defaults.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

export function createStorage(env: Env): Storage {
  const client = clientFor(env, env.S3_ENDPOINT);
  const publicClient = env.S3_PUBLIC_ENDPOINT ? clientFor(env, env.S3_PUBLIC_ENDPOINT) : client;
  return { client, publicClient, bucket: env.S3_BUCKET };
}

/** A PUT URL whose signature binds the key, the content type and the exact byte length. */
export function presignUpload(storage: Storage, key: string, contentType: string, sizeBytes: number) {
  return getSignedUrl(
    storage.publicClient,
    new PutObjectCommand({ Bucket: storage.bucket, Key: key, ContentType: contentType, ContentLength: sizeBytes }),
    { expiresIn: UPLOAD_URL_TTL_SECONDS, signableHeaders: new Set(["content-type", "content-length"]) },
  );
}

export function presignDownload(storage: Storage, key: string, opts: { filename?: string } = {}) {
  return getSignedUrl(
    storage.publicClient,
    new GetObjectCommand({
      Bucket: storage.bucket,
      Key: key,
      ResponseContentDisposition: opts.filename ? `attachment; filename="${opts.filename.replace(/"/g, "")}"` : undefined,
    }),
    { expiresIn: DOWNLOAD_URL_TTL_SECONDS },
  );
}

export async function headObject(storage: Storage, key: string): Promise<{ size: number; contentType?: string } | null> {
  try {
    const head = await storage.client.send(new HeadObjectCommand({ Bucket: storage.bucket, Key: key }));
    return { size: head.ContentLength ?? 0, contentType: head.ContentType };
  } catch (error) {
    if (error instanceof NotFound || (error as { name?: string }).name === "NotFound") return null;
    throw error;
  }
}

/** Reads `length` bytes from the start of an object (for magic-number checks). */
export async function readObjectHead(storage: Storage, key: string, length: number): Promise<Uint8Array> {
  const res = await storage.client.send(
    new GetObjectCommand({ Bucket: storage.bucket, Key: key, Range: `bytes=0-${length - 1}` }),
  );
  return res.Body ? await res.Body.transformToByteArray() : new Uint8Array();
}

export async function getObjectStream(storage: Storage, key: string) {
  const res = await storage.client.send(new GetObjectCommand({ Bucket: storage.bucket, Key: key }));
  if (!res.Body) throw new Error(`Object ${key} has no body`);
  return res.Body;
}

export async function putObject(storage: Storage, key: string, body: Uint8Array, contentType: string) {
  await storage.client.send(
    new PutObjectCommand({ Bucket: storage.bucket, Key: key, Body: body, ContentType: contentType }),
  );
}

/** Deletes every object under a prefix (a document's upload and its page images). */
export async function deletePrefix(storage: Storage, prefix: string): Promise<number> {
  let deleted = 0;
  let token: string | undefined;
  do {
    const list = await storage.client.send(
      new ListObjectsV2Command({ Bucket: storage.bucket, Prefix: prefix, ContinuationToken: token }),
    );
    const keys = (list.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
    if (keys.length) {
      await storage.client.send(new DeleteObjectsCommand({ Bucket: storage.bucket, Delete: { Objects: keys } }));
      deleted += keys.length;
    }
    token = list.IsTruncated ? list.NextContinuationToken : undefined;
  } while (token);
  return deleted;
}

/** Keys are chosen by the server, never by the client. */
export const objectKeys = {
  documentPrefix: (documentId: string) => `documents/${documentId}/`,
  upload: (documentId: string) => `documents/${documentId}/source.pdf`,
  pageImage: (documentId: string, pageNumber: number, ext: "webp" | "png" | "jpg") =>
    `documents/${documentId}/pages/${String(pageNumber).padStart(5, "0")}.${ext}`,
};

/** The last `length` bytes of an object of `size` bytes (an explicit range: not every store serves suffix ranges). */
export async function readObjectTail(storage: Storage, key: string, size: number, length: number): Promise<Uint8Array> {
  const start = Math.max(0, size - length);
  const res = await storage.client.send(new GetObjectCommand({ Bucket: storage.bucket, Key: key, Range: `bytes=${start}-${size - 1}` }));
  return res.Body ? await res.Body.transformToByteArray() : new Uint8Array();
}
