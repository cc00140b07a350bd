import { mkdir } from "node:fs/promises";
import http from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo, Socket } from "node:net";
import S3rver from "s3rver";
import { verifySigV4 } from "./sigv4";

const require = createRequire(import.meta.url);

export type LocalS3 = { endpoint: string; close(): Promise<void> };

const corsXml = (origins: string[]) => `<CORSConfiguration>
${origins
  .map(
    (origin) => `  <CORSRule>
    <AllowedOrigin>${origin}</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedMethod>POST</AllowedMethod><AllowedMethod>HEAD</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>`,
  )
  .join("\n")}
</CORSConfiguration>`;

const errorXml = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message.replace(/[<&>]/g, "")}</Message></Error>`;

function trackSockets(server: http.Server) {
  const sockets = new Set<Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  return () => sockets.forEach((s) => s.destroy());
}

/**
 * A local S3-compatible store: s3rver (files on disk) behind a gate that verifies AWS Signature V4 on
 * every request, as S3 does. s3rver alone does not check V4 signatures; with the gate, a presigned
 * upload whose key, content type, size, expiry or signature was changed is refused with 403.
 */
export async function startLocalS3(opts: {
  dataDir: string;
  port: number;
  host?: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  corsOrigins?: string[];
}): Promise<LocalS3> {
  const host = opts.host ?? "127.0.0.1";
  const origins = opts.corsOrigins ?? ["*"];
  await mkdir(opts.dataDir, { recursive: true });

  // s3rver keeps its key pairs in a registry; the gate has already checked the signature.
  const account = require("s3rver/lib/models/account.js") as { DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void } };
  account.DUMMY_ACCOUNT.createKeyPair(opts.accessKeyId, opts.secretAccessKey);

  const backend = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory: opts.dataDir,
    configureBuckets: [{ name: opts.bucket, configs: [corsXml(origins)] }],
  });
  const backendPort = (await backend.run()).port;

  const secrets = (id: string) => (id === opts.accessKeyId ? opts.secretAccessKey : undefined);
  const allowOrigin = (origin: string | undefined) => (origin && (origins.includes("*") || origins.includes(origin)) ? origin : undefined);

  const gate = http.createServer((req, res) => {
    if (req.method !== "OPTIONS") {
      const verdict = verifySigV4({ method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers }, secrets);
      if (!verdict.ok) {
        const origin = allowOrigin(req.headers.origin);
        res.writeHead(403, {
          "content-type": "application/xml",
          ...(origin ? { "access-control-allow-origin": origin, vary: "Origin" } : {}),
        });
        res.end(errorXml(verdict.code, verdict.message));
        req.resume();
        return;
      }
    }
    const upstream = http.request(
      { host: "127.0.0.1", port: backendPort, method: req.method, path: req.url, headers: req.headers },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "application/xml" });
      res.end(errorXml("InternalError", "storage backend unavailable"));
    });
    req.pipe(upstream);
  });
  const destroyGateSockets = trackSockets(gate);
  await new Promise<void>((resolve, reject) => {
    gate.once("error", reject);
    gate.listen(opts.port, host, () => resolve());
  });
  const port = (gate.address() as AddressInfo).port;

  return {
    endpoint: `http://${host}:${port}`,
    async close() {
      destroyGateSockets();
      await new Promise<void>((resolve) => gate.close(() => resolve()));
      await backend.close();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string, fallback: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1]! : fallback;
  };
  const s3 = await startLocalS3({
    dataDir: arg("dir", ".data/s3"),
    port: Number(arg("port", "54330")),
    bucket: arg("bucket", "pagewise"),
    accessKeyId: arg("key", "pagewise-local"),
    secretAccessKey: arg("secret", "pagewise-local-secret-key"),
  });
  console.log(`local S3 at ${s3.endpoint}`);
}
