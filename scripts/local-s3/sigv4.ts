import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** What the verifier needs of an incoming request, exactly as it arrived. */
export type SignedRequest = {
  method: string;
  /** Raw path and query, as on the request line. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
};

export type Verdict =
  | { ok: true; accessKeyId: string }
  | {
      ok: false;
      code: "SignatureDoesNotMatch" | "AccessDenied" | "InvalidAccessKeyId" | "AuthorizationHeaderMalformed" | "RequestTimeTooSkewed";
      message: string;
    };

const ALGORITHM = "AWS4-HMAC-SHA256";
const MAX_SKEW_MS = 15 * 60_000;

const sha256 = (data: string) => createHash("sha256").update(data, "utf8").digest("hex");
const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data, "utf8").digest();

/** RFC 3986 encoding as SigV4 wants it: everything but unreserved characters. */
const encode = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const safeDecode = (value: string) => {
  try {
    return decodeURIComponent(value.replace(/\+/g, "%20"));
  } catch {
    return value;
  }
};

function header(req: SignedRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

/** S3 URI-encodes each path segment once (no double encoding, unlike other services). */
function canonicalUri(path: string): string {
  return path
    .split("/")
    .map((segment) => encode(safeDecode(segment)))
    .join("/");
}

function canonicalQuery(query: string, skip?: string): string {
  if (!query) return "";
  return query
    .split("&")
    .filter(Boolean)
    .map((pair) => {
      const i = pair.indexOf("=");
      const key = safeDecode(i < 0 ? pair : pair.slice(0, i));
      const value = i < 0 ? "" : safeDecode(pair.slice(i + 1));
      return [encode(key), encode(value)] as const;
    })
    .filter(([key]) => key !== skip)
    .sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : av > bv ? 1 : 0) : a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
}

function parseAmzDate(value: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : NaN;
}

function signature(secret: string, scope: string[], amzDate: string, canonicalRequest: string): string {
  const [date, region, service] = scope;
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date!), region!), service!), "aws4_request");
  const stringToSign = [ALGORITHM, amzDate, scope.join("/"), sha256(canonicalRequest)].join("\n");
  return createHmac("sha256", key).update(stringToSign, "utf8").digest("hex");
}

type Parts = { accessKeyId: string; scope: string[]; signedHeaders: string[]; signature: string; amzDate: string; payloadHash: string; query: string };

function fromHeader(req: SignedRequest, auth: string, query: string): Parts | Verdict {
  if (!auth.startsWith(`${ALGORITHM} `)) return malformed(`Unsupported authorization: only ${ALGORITHM} is accepted`);
  const fields = new Map(
    auth
      .slice(ALGORITHM.length + 1)
      .split(",")
      .map((part) => {
        const [k, ...v] = part.trim().split("=");
        return [k!, v.join("=")] as const;
      }),
  );
  const credential = fields.get("Credential");
  const signedHeaders = fields.get("SignedHeaders");
  const sig = fields.get("Signature");
  const amzDate = header(req, "x-amz-date");
  const payloadHash = header(req, "x-amz-content-sha256");
  if (!credential || !signedHeaders || !sig) return malformed("The authorization header needs Credential, SignedHeaders and Signature");
  if (!amzDate || !payloadHash) return malformed("x-amz-date and x-amz-content-sha256 headers are required");
  const time = parseAmzDate(amzDate);
  if (Number.isNaN(time)) return malformed("x-amz-date is not in ISO8601 basic format");
  if (Math.abs(Date.now() - time) > MAX_SKEW_MS) {
    return { ok: false, code: "RequestTimeTooSkewed", message: "The difference between the request time and the current time is too large." };
  }
  const [accessKeyId, ...scope] = credential.split("/");
  return { accessKeyId: accessKeyId!, scope, signedHeaders: signedHeaders.split(";"), signature: sig, amzDate, payloadHash, query: canonicalQuery(query) };
}

function fromQuery(params: URLSearchParams, query: string): Parts | Verdict {
  const credential = params.get("X-Amz-Credential");
  const amzDate = params.get("X-Amz-Date");
  const expires = Number(params.get("X-Amz-Expires"));
  const signedHeaders = params.get("X-Amz-SignedHeaders");
  const sig = params.get("X-Amz-Signature");
  if (params.get("X-Amz-Algorithm") !== ALGORITHM || !credential || !amzDate || !signedHeaders || !sig || !Number.isFinite(expires)) {
    return malformed("Presigned URLs need X-Amz-Algorithm, Credential, Date, Expires, SignedHeaders and Signature");
  }
  const time = parseAmzDate(amzDate);
  if (Number.isNaN(time)) return malformed("X-Amz-Date is not in ISO8601 basic format");
  if (expires < 0 || expires > 604_800) return malformed("X-Amz-Expires must be between 0 and 604800 seconds");
  if (Date.now() > time + expires * 1000) return { ok: false, code: "AccessDenied", message: "Request has expired" };
  if (time - Date.now() > MAX_SKEW_MS) return { ok: false, code: "AccessDenied", message: "Request is not yet valid" };
  const [accessKeyId, ...scope] = credential.split("/");
  return {
    accessKeyId: accessKeyId!,
    scope,
    signedHeaders: signedHeaders.split(";"),
    signature: sig,
    amzDate,
    payloadHash: params.get("X-Amz-Content-Sha256") ?? "UNSIGNED-PAYLOAD",
    query: canonicalQuery(query, "X-Amz-Signature"),
  };
}

const malformed = (message: string): Verdict => ({ ok: false, code: "AuthorizationHeaderMalformed", message });

/** Verifies an AWS Signature Version 4 request (header or presigned query) against the known key pairs. */
export function verifySigV4(req: SignedRequest, secrets: (accessKeyId: string) => string | undefined): Verdict {
  const q = req.url.indexOf("?");
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const query = q < 0 ? "" : req.url.slice(q + 1);
  const params = new URLSearchParams(query);
  const auth = header(req, "authorization");
  if (!auth && !params.has("X-Amz-Signature")) {
    return { ok: false, code: "AccessDenied", message: "Anonymous access is not allowed: the bucket is private" };
  }
  const parts = auth ? fromHeader(req, auth, query) : fromQuery(params, query);
  if ("ok" in parts) return parts;
  if (parts.scope.length !== 4 || parts.scope[2] !== "s3" || parts.scope[3] !== "aws4_request" || !parts.amzDate.startsWith(parts.scope[0]!)) {
    return malformed("The credential scope must be <date>/<region>/s3/aws4_request and match the request date");
  }
  const secret = secrets(parts.accessKeyId);
  if (!secret) return { ok: false, code: "InvalidAccessKeyId", message: "The AWS Access Key Id you provided does not exist in our records." };
  if (!parts.signedHeaders.includes("host")) return malformed("The host header must be signed");

  const canonicalHeaders = parts.signedHeaders
    .map((name) => `${name}:${(header(req, name) ?? "").trim().replace(/\s+/g, " ")}\n`)
    .join("");
  const canonicalRequest = [
    req.method.toUpperCase(),
    canonicalUri(path),
    parts.query,
    canonicalHeaders,
    parts.signedHeaders.join(";"),
    parts.payloadHash,
  ].join("\n");
  const expected = Buffer.from(signature(secret, parts.scope, parts.amzDate, canonicalRequest));
  const given = Buffer.from(parts.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return {
      ok: false,
      code: "SignatureDoesNotMatch",
      message: "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
    };
  }
  return { ok: true, accessKeyId: parts.accessKeyId };
}
