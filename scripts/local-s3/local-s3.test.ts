import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { mkdtemp, rm } from "node:fs/promises";
import { spawn } from "node:child_process";
import { once } from "node:events";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RUNTIME } from "../child-json";
import { freePort } from "../test/ports";
import { awsChunkedDecoder, startLocalS3, type LocalS3 } from "./server";
import { verifySigV4, type SignedRequest } from "./sigv4";

describe("verifySigV4 on the examples of the S3 SigV4 documentation", () => {
  // Independent of the SDK: requests and signatures as printed in the S3 API reference ("Signature Calculations
  // for the Authorization Header" and "Authenticating Requests: Using Query Parameters").
  const secretFor = (id: string) => (id === "AKIAIOSFODNN7EXAMPLE" ? "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" : undefined);
  const NOW = Date.UTC(2013, 4, 24);
  const EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  const CREDENTIAL = "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request";
  /** A request as in the examples, all its headers signed. */
  const signed = (method: string, url: string, extraHeaders: Record<string, string>, signature: string): SignedRequest => {
    const headers = {
      host: "examplebucket.s3.amazonaws.com",
      "x-amz-date": "20130524T000000Z",
      "x-amz-content-sha256": EMPTY,
      ...extraHeaders,
    };
    const signedHeaders = Object.keys(headers).sort().join(";");
    return {
      method,
      url,
      headers: { ...headers, authorization: `AWS4-HMAC-SHA256 Credential=${CREDENTIAL},SignedHeaders=${signedHeaders},Signature=${signature}` },
    };
  };
  const getObject = signed("GET", "/test.txt", { range: "bytes=0-9" }, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  const presigned: SignedRequest = {
    method: "GET",
    url: `/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${encodeURIComponent(CREDENTIAL)}&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404`,
    headers: { host: "examplebucket.s3.amazonaws.com" },
  };
  const code = (req: SignedRequest, now = NOW) => {
    const verdict = verifySigV4(req, secretFor, now);
    return verdict.ok ? "ok" : verdict.code;
  };

  it("accepts the documented header-signed requests and presigned URL", () => {
    expect(verifySigV4(getObject, secretFor, NOW)).toEqual({ ok: true, accessKeyId: "AKIAIOSFODNN7EXAMPLE" });
    const putObject = signed(
      "PUT",
      "/test$file.text",
      {
        date: "Fri, 24 May 2013 00:00:00 GMT",
        "x-amz-storage-class": "REDUCED_REDUNDANCY",
        "x-amz-content-sha256": "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
      },
      "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
    );
    expect(code(putObject)).toBe("ok");
    expect(code(signed("GET", "/?lifecycle", {}, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"))).toBe("ok");
    expect(code(signed("GET", "/?prefix=J&max-keys=2", {}, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"))).toBe("ok");
    expect(code(presigned, NOW + 86_400_000)).toBe("ok");
  });

  it("refuses changed, expired, skewed, unknown, unsigned and malformed requests", () => {
    expect(code({ ...getObject, headers: { ...getObject.headers, range: "bytes=0-99" } })).toBe("SignatureDoesNotMatch");
    expect(code({ ...getObject, url: "/test.txt?x=1" })).toBe("SignatureDoesNotMatch");
    expect(code({ ...getObject, method: "DELETE" })).toBe("SignatureDoesNotMatch");
    expect(code(getObject, NOW + 16 * 60_000)).toBe("RequestTimeTooSkewed");
    expect(code(presigned, NOW + 86_401_000)).toBe("AccessDenied");
    expect(code({ ...presigned, url: presigned.url.replace("test.txt", "test.TXT") })).toBe("SignatureDoesNotMatch");
    expect(code({ ...presigned, headers: { ...presigned.headers, "x-amz-acl": "public-read" } })).toBe("AccessDenied");
    expect(code({ ...presigned, url: presigned.url.replace("AKIAIOSFODNN7EXAMPLE", "AKIAOTHER") })).toBe("InvalidAccessKeyId");
    expect(code({ ...presigned, url: presigned.url.replace("%2Fs3%2F", "%2Fec2%2F") })).toBe("AuthorizationHeaderMalformed");
    expect(code({ ...presigned, url: "/test.txt" })).toBe("AccessDenied");
    const auth = String(getObject.headers.authorization);
    expect(code({ ...getObject, headers: { ...getObject.headers, authorization: auth.replace(/,Signature=.*/, "") } })).toBe(
      "AuthorizationHeaderMalformed",
    );
  });
});

describe("awsChunkedDecoder", () => {
  const decode = async (parts: string[]) => {
    const out: Buffer[] = [];
    for await (const chunk of Readable.from(parts.map((p) => Buffer.from(p))).pipe(awsChunkedDecoder())) out.push(chunk as Buffer);
    return Buffer.concat(out).toString();
  };
  const sig = `;chunk-signature=${"a".repeat(64)}`;

  it("joins the chunks' data, whatever the read boundaries, with or without signatures and trailers", async () => {
    const signed = `5${sig}\r\nhello\r\n6${sig}\r\n world\r\n0${sig}\r\n\r\n`;
    expect(await decode([signed])).toBe("hello world");
    expect(await decode(signed.split(""))).toBe("hello world");
    expect(await decode(["b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n"])).toBe("hello world");
  });

  it("fails on a truncated or malformed body", async () => {
    await expect(decode(["5\r\nhel"])).rejects.toThrow(/truncated/);
    await expect(decode(["zz\r\n"])).rejects.toThrow(/chunk size/);
  });
});

const KEYS = { accessKeyId: "test-key", secretAccessKey: "test-secret-key-123" };
const BUCKET = "gate-test";
const ORIGIN = "http://app.test";

describe("local S3 store behind the signature gate", () => {
  let s3: LocalS3;
  let dir: string;
  const client = (config: Partial<S3ClientConfig> = {}) =>
    new S3Client({
      region: "us-east-1",
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: KEYS,
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      ...config,
    });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "pagewise-s3-"));
    s3 = await startLocalS3({ dataDir: dir, port: await freePort(), bucket: BUCKET, ...KEYS, corsOrigins: [ORIGIN] });
  });
  afterAll(async () => {
    await s3?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("serves the SDK's signed requests, with keys that need encoding and bodies streamed both ways", async () => {
    const c = client();
    const key = "a/b c+é (1)*.txt";
    await c.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: "hello", ContentType: "text/plain" }));
    expect(await c.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }))).toMatchObject({ ContentLength: 5, ContentType: "text/plain" });
    expect(await (await c.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body?.transformToString()).toBe("hello");
    const list = await c.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "a/" }));
    expect(list.Contents?.map((o) => o.Key)).toEqual([key]);
    await c.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    expect((await c.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "a/" }))).KeyCount).toBe(0);

    // Above the SDK's threshold it sends `Expect: 100-continue`.
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    await c.send(new PutObjectCommand({ Bucket: BUCKET, Key: "big.bin", Body: big }));
    const bytes = await (await c.send(new GetObjectCommand({ Bucket: BUCKET, Key: "big.bin" }))).Body!.transformToByteArray();
    expect(Buffer.from(bytes).equals(big)).toBe(true);
  });

  it("stores aws-chunked uploads decoded (the SDK's default checksums on a streamed body)", async () => {
    const c = client({ requestChecksumCalculation: "WHEN_SUPPORTED" });
    const text = "streamed through aws-chunked";
    await c.send(new PutObjectCommand({ Bucket: BUCKET, Key: "chunked.txt", Body: Readable.from([Buffer.from(text)]), ContentLength: text.length }));
    expect(await (await c.send(new GetObjectCommand({ Bucket: BUCKET, Key: "chunked.txt" }))).Body?.transformToString()).toBe(text);
  });

  it("refuses requests signed with the wrong secret, before the body is sent when the client waits for 100-continue", async () => {
    const wrong = client({ credentials: { ...KEYS, secretAccessKey: "not-the-secret" } });
    await expect(wrong.send(new ListObjectsV2Command({ Bucket: BUCKET }))).rejects.toMatchObject({
      name: "SignatureDoesNotMatch",
      $metadata: { httpStatusCode: 403 },
    });
    await expect(wrong.send(new PutObjectCommand({ Bucket: BUCKET, Key: "nope.bin", Body: Buffer.alloc(3 * 1024 * 1024) }))).rejects.toMatchObject({
      name: "SignatureDoesNotMatch",
    });
    await expect(client().send(new HeadObjectCommand({ Bucket: BUCKET, Key: "nope.bin" }))).rejects.toMatchObject({ name: "NotFound" });
  });

  it("takes the Host header as signed, whatever the host name (path-style, not a virtual-hosted bucket)", async () => {
    const port = new URL(s3.endpoint).port;
    const toLoopback = new http.Agent({
      lookup: (_host, options, callback) =>
        options.all ? callback(null, [{ address: "127.0.0.1", family: 4 }]) : callback(null, "127.0.0.1", 4),
    });
    const c = client({ endpoint: `http://storage.pagewise.test:${port}`, requestHandler: { httpAgent: toLoopback } });
    await c.send(new PutObjectCommand({ Bucket: BUCKET, Key: "named-host.txt", Body: "hi" }));
    expect((await c.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "named-host.txt" }))).ContentLength).toBe(2);
    toLoopback.destroy();
  });

  describe("presigned PUT", () => {
    const presign = (key: string, size: number, opts: { expiresIn?: number; signingDate?: Date } = {}) =>
      getSignedUrl(client(), new PutObjectCommand({ Bucket: BUCKET, Key: key, ContentType: "application/pdf", ContentLength: size }), {
        expiresIn: opts.expiresIn ?? 300,
        signingDate: opts.signingDate,
        // The presigner leaves content-type unsigned unless asked.
        signableHeaders: new Set(["content-type", "content-length"]),
      });
    const put = (url: string, body: Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}) =>
      fetch(url, { method: "PUT", headers: { "content-type": "application/pdf", ...headers }, body });
    const refusal = async (res: Response) => ({ status: res.status, code: /<Code>(\w+)<\/Code>/.exec(await res.text())?.[1] });
    const bytes = (n: number) => new Uint8Array(n).fill(1);
    const body = bytes(100);

    it("signs the key, content type and length", async () => {
      const params = new URL(await presign("x.pdf", 100)).searchParams;
      expect(params.get("X-Amz-SignedHeaders")).toBe("content-length;content-type;host");
    });

    it("uploads when method, key, type and size are those signed", async () => {
      const res = await put(await presign("docs/ok 1.pdf", 100), body, { origin: ORIGIN });
      expect(res.status).toBe(200);
      expect(res.headers.get("access-control-allow-origin")).toBe(ORIGIN);
      expect(res.headers.get("access-control-expose-headers")).toBe("ETag");
      expect(await client().send(new HeadObjectCommand({ Bucket: BUCKET, Key: "docs/ok 1.pdf" }))).toMatchObject({
        ContentLength: 100,
        ContentType: "application/pdf",
      });
    });

    it("refuses another size, type or key, a tampered signature, an unsigned x-amz header and an expired URL", async () => {
      const url = await presign("signed.pdf", 100);
      const denied = { status: 403, code: "SignatureDoesNotMatch" };
      expect(await refusal(await put(url, bytes(101)))).toEqual(denied);
      expect(await refusal(await put(url, bytes(99)))).toEqual(denied);
      expect(await refusal(await put(url, body, { "content-type": "text/html" }))).toEqual(denied);
      expect(await refusal(await put(url.replace("signed.pdf", "other.pdf"), body))).toEqual(denied);
      const signature = new URL(url).searchParams.get("X-Amz-Signature")!;
      const flipped = signature.slice(0, -1) + (signature.endsWith("0") ? "1" : "0");
      expect(await refusal(await put(url.replace(signature, flipped), body))).toEqual(denied);
      expect(await refusal(await put(url, body, { "x-amz-acl": "public-read" }))).toEqual({ status: 403, code: "AccessDenied" });

      const expired = await presign("late.pdf", 100, { expiresIn: 60, signingDate: new Date(Date.now() - 120_000) });
      const late = await put(expired, body);
      expect(late.status).toBe(403);
      expect(await late.text()).toMatch(/<Code>AccessDenied<\/Code><Message>Request has expired/);

      for (const key of ["signed.pdf", "other.pdf", "late.pdf"]) {
        await expect(client().send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }))).rejects.toMatchObject({ name: "NotFound" });
      }
    });
  });

  it("serves a presigned GET, refuses a tampered or unsigned one, with CORS headers on the refusal", async () => {
    await client().send(new PutObjectCommand({ Bucket: BUCKET, Key: "img.webp", Body: "img" }));
    const url = await getSignedUrl(client(), new GetObjectCommand({ Bucket: BUCKET, Key: "img.webp" }), { expiresIn: 60 });
    expect(await (await fetch(url)).text()).toBe("img");
    const tampered = await fetch(url.replace("X-Amz-Expires=60", "X-Amz-Expires=600"), { headers: { origin: ORIGIN } });
    expect(tampered.status).toBe(403);
    expect(tampered.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(await tampered.text()).toContain("<Code>SignatureDoesNotMatch</Code>");
    expect((await fetch(`${s3.endpoint}/${BUCKET}/img.webp`)).status).toBe(403);
  });

  it("answers CORS preflights, which carry no signature", async () => {
    const res = await fetch(`${s3.endpoint}/${BUCKET}/x.pdf`, {
      method: "OPTIONS",
      headers: { origin: ORIGIN, "access-control-request-method": "PUT", "access-control-request-headers": "content-type" },
    });
    expect(res.status).toBe(200);
    // s3rver answers a preflight that matched a rule with `*` (S3 names the origin); either grants it.
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-methods")).toContain("PUT");
    // Another site gets no CORS grant, neither on the preflight nor on a refusal from the gate.
    const foreign = await fetch(`${s3.endpoint}/${BUCKET}/x.pdf`, {
      method: "OPTIONS",
      headers: { origin: "http://evil.test", "access-control-request-method": "PUT", "access-control-request-headers": "content-type" },
    });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
    const refused = await fetch(`${s3.endpoint}/${BUCKET}/x.pdf`, { headers: { origin: "http://evil.test" } });
    expect(refused.status).toBe(403);
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("keeps serving when clients leave mid-request (a browser leaving a page of images)", async () => {
    // Its own process, as scripts/dev.ts runs it: an exception escaping the gate would end it.
    const args = ["--dir", path.join(dir, "leaving"), "--port", "0", "--bucket", BUCKET];
    args.push("--access-key-id", KEYS.accessKeyId, "--secret-access-key", KEYS.secretAccessKey);
    const child = spawn(process.execPath, [...RUNTIME, path.join(import.meta.dirname, "server.ts"), ...args], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const [line] = (await once(createInterface({ input: child.stdout! }), "line")) as [string];
      const endpoint = /at (http:\/\/\S+)/.exec(line)![1]!;
      const c = client({ endpoint });
      const big = Buffer.alloc(4 * 1024 * 1024, 3);
      await c.send(new PutObjectCommand({ Bucket: BUCKET, Key: "page.jpg", Body: big }));
      const get = new URL(await getSignedUrl(c, new GetObjectCommand({ Bucket: BUCKET, Key: "page.jpg" }), { expiresIn: 60 }));
      const put = new URL(await getSignedUrl(c, new PutObjectCommand({ Bucket: BUCKET, Key: "half.pdf" }), { expiresIn: 60 }));
      const leave = (head: string, body = "", afterMs = 0) =>
        new Promise<void>((resolve) => {
          const socket = net.connect(Number(get.port), "127.0.0.1", () => {
            socket.write(`${head}\r\nHost: ${get.host}\r\n\r\n${body}`);
            setTimeout(() => socket.destroy(), afterMs);
          });
          socket.on("close", () => resolve()).on("error", () => {});
        });
      for (let i = 0; i < 10; i++) {
        await leave(`GET ${get.pathname}${get.search} HTTP/1.1`); // before the store answers
        await leave(`GET ${get.pathname}${get.search} HTTP/1.1`, "", 5); // in the middle of the body
        await leave(`PUT ${put.pathname}${put.search} HTTP/1.1\r\nContent-Length: 100000`, "x".repeat(1000), i);
        await leave(`GET /${BUCKET}/%E0%A4%A?X-Amz-Credential=%ZZ HTTP/1.1`);
      }
      const res = await fetch(get);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(big)).toBe(true);
      expect(child.exitCode).toBeNull();
      c.destroy();
    } finally {
      child.kill();
    }
  });

  it("closes cleanly", async () => {
    const other = await startLocalS3({ dataDir: path.join(dir, "other"), port: 0, bucket: BUCKET, ...KEYS });
    const c = client({ endpoint: other.endpoint });
    await c.send(new PutObjectCommand({ Bucket: BUCKET, Key: "k", Body: "v" })); // leaves a keep-alive connection
    await other.close();
    await expect(fetch(`${other.endpoint}/${BUCKET}/k`)).rejects.toThrow();
    c.destroy();
  });
});
