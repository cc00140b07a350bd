import { mkdir } from "node:fs/promises";
import http from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo, Socket } from "node:net";
import path from "node:path";
import { pipeline, Transform } from "node:stream";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import S3rver from "s3rver";
import { verifySigV4 } from "./sigv4";
import { LOCAL_S3_CREDENTIALS } from "../../lib/env";

export type LocalS3Options = {
  dataDir: string;
  port: number;
  /** Address the signature gate listens on; 127.0.0.1 unless given. */
  host?: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Origins allowed by the bucket's CORS configuration; `['*']` unless given. */
  corsOrigins?: string[];
};

export type LocalS3 = { endpoint: string; close(): Promise<void> };

const xmlEscape = (value: string) =>
  value.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!);

const corsXml = (origins: string[]) => `<CORSConfiguration>
  <CORSRule>
${origins.map((origin) => `    <AllowedOrigin>${xmlEscape(origin)}</AllowedOrigin>`).join("\n")}
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedMethod>POST</AllowedMethod>
    <AllowedMethod>HEAD</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>`;

function errorXml(verdict: { code: string; message: string; details?: Record<string, string> }): string {
  const details = Object.entries(verdict.details ?? {}).map(([name, value]) => `<${name}>${xmlEscape(value)}</${name}>`);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${verdict.code}</Code><Message>${xmlEscape(verdict.message)}</Message>${details.join("")}</Error>`;
}

// Hop-by-hop headers concern one connection, not the request; each side of the proxy manages its own.
// `expect` is dropped too: the gate itself answers `100 Continue`, once the signature has been checked.
const REQUEST_HOP_HEADERS = new Set(["connection", "keep-alive", "proxy-connection", "upgrade", "te", "trailer", "expect"]);
const RESPONSE_HOP_HEADERS = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "trailer"]);

/** Raw headers (name, value, name, value, ...) minus the dropped names, case and order kept. */
function forwardedHeaders(raw: string[], drop: Set<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (!drop.has(raw[i]!.toLowerCase())) out.push(raw[i]!, raw[i + 1]!);
  }
  return out;
}

/**
 * Decodes an aws-chunked body (`<hex size>[;chunk-signature=…]\r\n<data>\r\n` …, a zero-size chunk, then
 * optional trailers and an empty line), which s3rver would otherwise store verbatim. Chunk signatures and trailing
 * checksums are not verified; the seed signature was.
 */
export function awsChunkedDecoder(): Transform {
  let pending: Buffer = Buffer.alloc(0);
  let state: "size" | "data" | "data-end" | "trailers" | "done" = "size";
  let left = 0; // bytes of the current chunk's data still to pass on
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length && state !== "done") {
        if (state === "data") {
          const data = pending.subarray(0, left);
          this.push(data);
          pending = pending.subarray(data.length);
          left -= data.length;
          if (left === 0) state = "data-end";
          continue;
        }
        const eol = pending.indexOf("\r\n");
        if (eol < 0) {
          if (pending.length > 64 * 1024) return done(new Error("aws-chunked: line too long"));
          break;
        }
        const line = pending.subarray(0, eol).toString("latin1");
        pending = pending.subarray(eol + 2);
        if (state === "data-end") {
          if (line) return done(new Error("aws-chunked: missing CRLF after chunk data"));
          state = "size";
        } else if (state === "size") {
          const size = line.split(";")[0]!;
          if (!/^[0-9a-fA-F]+$/.test(size)) return done(new Error("aws-chunked: bad chunk size"));
          left = parseInt(size, 16);
          state = left ? "data" : "trailers";
        } else if (!line) {
          state = "done"; // trailers (e.g. x-amz-checksum-crc32) end with an empty line
        }
      }
      done();
    },
    flush(done) {
      done(state === "done" || (state === "trailers" && !pending.length) ? null : new Error("aws-chunked: truncated body"));
    },
  });
}

/** Request headers for s3rver once the body has been decoded from aws-chunked. */
function decodedHeaders(raw: string[]): string[] {
  const out: string[] = [];
  let decodedLength: string | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const [name, value] = [raw[i]!, raw[i + 1]!];
    const lower = name.toLowerCase();
    if (lower === "x-amz-decoded-content-length") decodedLength = value;
    if (lower === "content-length" || lower === "transfer-encoding") continue;
    if (lower === "content-encoding") {
      const rest = value.split(",").map((v) => v.trim()).filter((v) => v && v !== "aws-chunked");
      if (rest.length) out.push(name, rest.join(","));
      continue;
    }
    out.push(name, value);
  }
  return decodedLength === undefined ? out : [...out, "Content-Length", decodedLength];
}

function trackSockets(server: http.Server) {
  const sockets = new Set<Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  return () => sockets.forEach((socket) => socket.destroy());
}

const listen = (server: http.Server, port: number, host: string) =>
  new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });

/**
 * A local S3-compatible store: s3rver (objects on disk) behind a gate that verifies AWS Signature V4 on every
 * request but CORS preflights, as S3 does. s3rver alone does not check V4 signatures; behind the gate, a presigned
 * upload whose key, content type, size, expiry or signature was changed is refused with 403 before reaching it.
 * Path-style addressing only (`forcePathStyle: true`).
 */
export async function startLocalS3(opts: LocalS3Options): Promise<LocalS3> {
  const host = opts.host ?? "127.0.0.1";
  const origins = opts.corsOrigins ?? ["*"];
  await mkdir(opts.dataDir, { recursive: true });

  // s3rver answers InvalidAccessKeyId to keys missing from its (process-wide) registry, whose only default pair is
  // S3RVER/S3RVER. Its own V4 check is a no-op; the gate has done the real one by then.
  const require = createRequire(import.meta.url);
  const { DUMMY_ACCOUNT } = require("s3rver/lib/models/account.js") as {
    DUMMY_ACCOUNT: { createKeyPair(accessKeyId: string, secretAccessKey: string): void };
  };
  DUMMY_ACCOUNT.createKeyPair(opts.accessKeyId, opts.secretAccessKey);

  const backend = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory: opts.dataDir,
    // Otherwise s3rver takes any Host that is not an IP or "localhost" for a virtual-hosted bucket name.
    vhostBuckets: false,
    configureBuckets: [{ name: opts.bucket, configs: [corsXml(origins)] }],
  });
  const backendPort = (await backend.run()).port;
  const agent = new http.Agent({ keepAlive: true });

  const secretFor = (accessKeyId: string) => (accessKeyId === opts.accessKeyId ? opts.secretAccessKey : undefined);
  // s3rver adds CORS headers to what it answers; these go on the gate's own error responses.
  function corsHeaders(origin: string | undefined): Record<string, string> {
    if (!origin) return {};
    if (origins.includes("*")) return { "access-control-allow-origin": "*" };
    return origins.includes(origin) ? { "access-control-allow-origin": origin, vary: "Origin" } : {};
  }

  function sendError(req: http.IncomingMessage, res: http.ServerResponse, status: number, error: Parameters<typeof errorXml>[0]) {
    if (res.headersSent) return void res.destroy();
    const body = errorXml(error);
    res.writeHead(status, {
      "content-type": "application/xml",
      "content-length": Buffer.byteLength(body),
      ...corsHeaders(req.headers.origin),
      // A client waiting for 100 Continue will not send its body; the connection cannot be reused.
      ...(req.headers.expect ? { connection: "close" } : {}),
    });
    res.end(body);
    req.resume();
  }

  function proxy(req: http.IncomingMessage, res: http.ServerResponse) {
    const headers = forwardedHeaders(req.rawHeaders, REQUEST_HOP_HEADERS);
    const chunked = String(req.headers["x-amz-content-sha256"]).startsWith("STREAMING-");
    const upstream = http.request(
      {
        host: "127.0.0.1",
        port: backendPort,
        agent,
        method: req.method,
        path: req.url,
        headers: chunked ? decodedHeaders(headers) : headers,
      },
      (upstreamRes) => {
        // The client may be gone (a browser leaving the page) or already answered (a body refused on the way).
        if (res.destroyed || res.headersSent) return void upstreamRes.destroy();
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, forwardedHeaders(upstreamRes.rawHeaders, RESPONSE_HOP_HEADERS));
        pipeline(upstreamRes, res, () => {});
      },
    );
    upstream.on("error", () => sendError(req, res, 502, { code: "InternalError", message: "The local S3 backend did not answer" }));
    res.once("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    if (chunked) {
      const decoder = awsChunkedDecoder();
      decoder.once("error", (error) => sendError(req, res, 400, { code: "IncompleteBody", message: error.message }));
      pipeline(req, decoder, upstream, () => {});
    } else {
      pipeline(req, upstream, () => {});
    }
  }

  function handle(req: http.IncomingMessage, res: http.ServerResponse, expectsContinue: boolean) {
    if (req.method !== "OPTIONS") {
      const verdict = verifySigV4({ method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers }, secretFor);
      if (!verdict.ok) return sendError(req, res, 403, verdict);
    }
    if (expectsContinue) res.writeContinue();
    proxy(req, res);
  }

  const gate = http.createServer((req, res) => handle(req, res, false));
  // With this listener node:http leaves `Expect: 100-continue` to us: a refused client never sends its body.
  gate.on("checkContinue", (req, res) => handle(req, res, true));
  const destroyGateSockets = trackSockets(gate);
  try {
    await listen(gate, opts.port, host);
  } catch (error) {
    agent.destroy();
    await backend.close();
    throw error;
  }
  const { port } = gate.address() as AddressInfo;
  const shownHost = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;

  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://${shownHost.includes(":") ? `[${shownHost}]` : shownHost}:${port}`,
    close() {
      closing ??= (async () => {
        const gateClosed = new Promise<void>((resolve) => gate.close(() => resolve()));
        destroyGateSockets();
        await gateClosed;
        agent.destroy();
        backend.httpServer?.closeAllConnections();
        await backend.close();
      })();
      return closing;
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  // The bucket default matches S3_BUCKET's in lib/env.ts.
  const { values } = parseArgs({
    options: {
      dir: { type: "string", default: ".data/s3" },
      port: { type: "string", default: "54330" },
      host: { type: "string", default: "127.0.0.1" },
      bucket: { type: "string", default: "pagewise" },
      "access-key-id": { type: "string", default: LOCAL_S3_CREDENTIALS.accessKeyId },
      "secret-access-key": { type: "string", default: LOCAL_S3_CREDENTIALS.secretAccessKey },
      "cors-origin": { type: "string", multiple: true },
    },
  });
  const s3 = await startLocalS3({
    dataDir: values.dir,
    port: Number(values.port),
    host: values.host,
    bucket: values.bucket,
    accessKeyId: values["access-key-id"],
    secretAccessKey: values["secret-access-key"],
    corsOrigins: values["cors-origin"],
  });
  console.log(`local S3 (bucket ${values.bucket}, SigV4 verified) at ${s3.endpoint}`);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => void s3.close().then(() => process.exit(0)));
  }
}
