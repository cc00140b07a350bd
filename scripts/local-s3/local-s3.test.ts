import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../test/ports";
import { startLocalS3, type LocalS3 } from "./server";

const KEYS = { accessKeyId: "test-key", secretAccessKey: "test-secret-key-123" };
const BUCKET = "gate-test";

describe("local S3 store with signature verification", () => {
  let s3: LocalS3;
  let dir: string;
  const client = (secret = KEYS.secretAccessKey) =>
    new S3Client({
      region: "us-east-1",
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: KEYS.accessKeyId, secretAccessKey: secret },
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "pagewise-s3-"));
    s3 = await startLocalS3({ dataDir: dir, port: await freePort(), bucket: BUCKET, ...KEYS, corsOrigins: ["http://app.test"] });
  });
  afterAll(async () => {
    await s3.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("serves the SDK's signed requests", async () => {
    const c = client();
    await c.send(new PutObjectCommand({ Bucket: BUCKET, Key: "a/b c.txt", Body: "hello", ContentType: "text/plain" }));
    expect((await c.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "a/b c.txt" }))).ContentLength).toBe(5);
    const got = await c.send(new GetObjectCommand({ Bucket: BUCKET, Key: "a/b c.txt" }));
    expect(await got.Body?.transformToString()).toBe("hello");
    const list = await c.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "a/" }));
    expect(list.Contents?.map((o) => o.Key)).toEqual(["a/b c.txt"]);
    await c.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: "a/b c.txt" }));
  });

  it("refuses a request signed with the wrong secret", async () => {
    await expect(client("not-the-secret").send(new HeadObjectCommand({ Bucket: BUCKET, Key: "x" }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 403 },
    });
  });

  describe("presigned PUT", () => {
    const presign = (key: string, size: number, opts: { expiresIn?: number; signingDate?: Date } = {}) =>
      getSignedUrl(client(), new PutObjectCommand({ Bucket: BUCKET, Key: key, ContentType: "application/pdf", ContentLength: size }), {
        expiresIn: opts.expiresIn ?? 300,
        signingDate: opts.signingDate,
        signableHeaders: new Set(["content-type", "content-length"]),
      });
    const put = (url: string, body: Buffer, type = "application/pdf") => fetch(url, { method: "PUT", headers: { "content-type": type }, body });
    const body = Buffer.alloc(100, 1);

    it("uploads when method, key, type and size match what was signed", async () => {
      const res = await put(await presign("ok.pdf", 100), body);
      expect(res.status).toBe(200);
      expect((await client().send(new HeadObjectCommand({ Bucket: BUCKET, Key: "ok.pdf" }))).ContentLength).toBe(100);
    });

    it("refuses a different size, type, key, a tampered signature and an expired URL", async () => {
      const url = await presign("signed.pdf", 100);
      expect((await put(url, Buffer.alloc(101, 1))).status).toBe(403);
      expect((await put(url, body, "text/html")).status).toBe(403);
      expect((await put(url.replace("signed.pdf", "other.pdf"), body)).status).toBe(403);
      const sig = /X-Amz-Signature=([0-9a-f]+)/.exec(url)![1]!;
      const flipped = sig.slice(0, -1) + (sig.endsWith("0") ? "1" : "0");
      const res = await put(url.replace(sig, flipped), body);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain("SignatureDoesNotMatch");
      const expired = await presign("late.pdf", 100, { expiresIn: 60, signingDate: new Date(Date.now() - 120_000) });
      const late = await put(expired, body);
      expect(late.status).toBe(403);
      expect(await late.text()).toContain("expired");
      await expect(client().send(new HeadObjectCommand({ Bucket: BUCKET, Key: "other.pdf" }))).rejects.toBeTruthy();
    });
  });

  it("presigned GET works and a tampered one does not; anonymous access is refused", async () => {
    await client().send(new PutObjectCommand({ Bucket: BUCKET, Key: "img.webp", Body: "img" }));
    const url = await getSignedUrl(client(), new GetObjectCommand({ Bucket: BUCKET, Key: "img.webp" }), { expiresIn: 60 });
    expect(await (await fetch(url)).text()).toBe("img");
    expect((await fetch(url.replace("X-Amz-Expires=60", "X-Amz-Expires=600"))).status).toBe(403);
    expect((await fetch(`${s3.endpoint}/${BUCKET}/img.webp`)).status).toBe(403);
  });

  it("answers CORS preflights for the app's origin", async () => {
    const res = await fetch(`${s3.endpoint}/${BUCKET}/x.pdf`, {
      method: "OPTIONS",
      headers: { origin: "http://app.test", "access-control-request-method": "PUT", "access-control-request-headers": "content-type" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toMatch(/^(\*|http:\/\/app\.test)$/);
    const foreign = await fetch(`${s3.endpoint}/${BUCKET}/x.pdf`, {
      method: "OPTIONS",
      headers: { origin: "http://evil.test", "access-control-request-method": "PUT" },
    });
    expect(foreign.status).toBe(403);
  });
});
