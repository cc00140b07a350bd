import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** What the verifier needs of an incoming request, exactly as it arrived. */
export type SignedRequest = {
  method: string;
  /** Raw path and query, as on the request line. */
  url: string;
  /** Lower-cased header names, as node:http gives them; must include `host` as the client sent it. */
  headers: Record<string, string | string[] | undefined>;
};

export type SigV4ErrorCode =
  | "SignatureDoesNotMatch"
  | "AccessDenied"
  | "InvalidAccessKeyId"
  | "AuthorizationHeaderMalformed"
  | "RequestTimeTooSkewed";

export type Verdict =
  | { ok: true; accessKeyId: string }
  /** `details` are extra elements S3 puts in its error document (e.g. the canonical request it computed). */
  | { ok: false; code: SigV4ErrorCode; message: string; details?: Record<string, string> };

const ALGORITHM = "AWS4-HMAC-SHA256";
export const MAX_CLOCK_SKEW_MS = 15 * 60_000;
const MAX_EXPIRES_SECONDS = 7 * 24 * 3600;
const PAYLOAD_HASH = /^(UNSIGNED-PAYLOAD|STREAMING-[A-Z0-9-]+|[0-9a-f]{64})$/;

const sha256 = (data: string) => createHash("sha256").update(data, "utf8").digest("hex");
const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data, "utf8").digest();

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - . _ ~ is percent-encoded. */
const encode = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value; // malformed escapes: re-encoding turns `%` into `%25`, which cannot match a proper signature
  }
}

function header(req: SignedRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

/** S3 encodes each path segment once (no double encoding and no dot-segment normalisation, unlike other services). */
const canonicalUri = (path: string) => path.split("/").map((segment) => encode(decode(segment))).join("/");

function canonicalQuery(query: string, omit?: string): string {
  return query
    .split("&")
    .filter(Boolean)
    .map((pair) => {
      const i = pair.indexOf("=");
      const [key, value] = i < 0 ? [pair, ""] : [pair.slice(0, i), pair.slice(i + 1)];
      // In a query string `+` is a space (form encoding); SDKs send `%20` anyway.
      return [encode(decode(key.replace(/\+/g, " "))), encode(decode(value.replace(/\+/g, " ")))] as const;
    })
    .filter(([key]) => key !== omit)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join("&");
}

/** `20130524T000000Z` -> epoch ms, NaN when malformed. */
function parseAmzDate(value: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : NaN;
}

type Parsed = {
  credential: string;
  signedHeaders: string;
  signature: string;
  amzDate: string;
  payloadHash: string;
  canonicalQuery: string;
};

const fail = (code: SigV4ErrorCode, message: string): Verdict => ({ ok: false, code, message });
const malformed = (message: string) => fail("AuthorizationHeaderMalformed", message);

function parseHeaderAuth(req: SignedRequest, auth: string, query: string, now: number): Parsed | Verdict {
  const [algorithm, ...rest] = auth.trim().split(/\s+/);
  if (algorithm !== ALGORITHM) return malformed(`Unsupported authorization type; only ${ALGORITHM} is accepted`);
  const fields = new Map(
    rest
      .join("")
      .split(",")
      .map((part) => {
        const i = part.indexOf("=");
        return [part.slice(0, i), part.slice(i + 1)] as const;
      }),
  );
  const credential = fields.get("Credential");
  const signedHeaders = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (!credential || !signedHeaders || !signature) {
    return malformed("The authorization header requires three components: Credential, SignedHeaders, and Signature.");
  }
  const amzDate = header(req, "x-amz-date");
  if (!amzDate || Number.isNaN(parseAmzDate(amzDate))) return malformed("x-amz-date is missing or not in ISO8601 basic format");
  const payloadHash = header(req, "x-amz-content-sha256");
  if (!payloadHash || !PAYLOAD_HASH.test(payloadHash)) {
    return malformed("x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-*, or a hex SHA-256");
  }
  if (Math.abs(now - parseAmzDate(amzDate)) > MAX_CLOCK_SKEW_MS) {
    return fail("RequestTimeTooSkewed", "The difference between the request time and the current time is too large.");
  }
  // The payload hash is taken as declared: for aws-chunked uploads only the seed signature is checked.
  return { credential, signedHeaders, signature, amzDate, payloadHash, canonicalQuery: canonicalQuery(query) };
}

function parseQueryAuth(params: URLSearchParams, query: string, now: number): Parsed | Verdict {
  const credential = params.get("X-Amz-Credential");
  const amzDate = params.get("X-Amz-Date");
  const expires = params.get("X-Amz-Expires");
  const signedHeaders = params.get("X-Amz-SignedHeaders");
  const signature = params.get("X-Amz-Signature");
  if (params.get("X-Amz-Algorithm") !== ALGORITHM || !credential || !amzDate || !expires || !signedHeaders || !signature) {
    return malformed(
      `Query-string authentication requires X-Amz-Algorithm=${ALGORITHM}, X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders and X-Amz-Signature`,
    );
  }
  const time = parseAmzDate(amzDate);
  if (Number.isNaN(time)) return malformed("X-Amz-Date must be in ISO8601 basic format");
  if (!/^\d+$/.test(expires) || +expires > MAX_EXPIRES_SECONDS) return malformed("X-Amz-Expires must be 0 to 604800 seconds");
  if (now > time + +expires * 1000) return fail("AccessDenied", "Request has expired");
  if (time - now > MAX_CLOCK_SKEW_MS) return fail("AccessDenied", "Request is not valid yet");
  return {
    credential,
    signedHeaders,
    signature,
    amzDate,
    payloadHash: "UNSIGNED-PAYLOAD",
    canonicalQuery: canonicalQuery(query, "X-Amz-Signature"),
  };
}

/**
 * Verifies an S3 request signed with AWS Signature Version 4, in the Authorization header or in the query
 * (presigned URL), the way S3 does. `secretFor` looks up the secret of an access key id. Does not read the body:
 * a declared payload hash is trusted, as is the size (node:http enforces Content-Length, which can be signed).
 * CORS preflights (OPTIONS) are unsigned; the caller lets them through without calling this.
 */
export function verifySigV4(req: SignedRequest, secretFor: (accessKeyId: string) => string | undefined, now = Date.now()): Verdict {
  const q = req.url.indexOf("?");
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const query = q < 0 ? "" : req.url.slice(q + 1);
  const params = new URLSearchParams(query);
  const auth = header(req, "authorization");
  const presigned = params.has("X-Amz-Algorithm") || params.has("X-Amz-Signature");
  if (auth && presigned) return fail("AccessDenied", "Only one auth mechanism allowed: the Authorization header or the X-Amz-* query parameters");
  if (!auth && !presigned) return fail("AccessDenied", "Access Denied: anonymous requests are not allowed");

  const parsed = auth ? parseHeaderAuth(req, auth, query, now) : parseQueryAuth(params, query, now);
  if ("ok" in parsed) return parsed;

  const [accessKeyId = "", date, region, service, terminator, ...extra] = parsed.credential.split("/");
  if (!region || service !== "s3" || terminator !== "aws4_request" || extra.length || date !== parsed.amzDate.slice(0, 8)) {
    return malformed("The credential must be <key>/<yyyymmdd of the request date>/<region>/s3/aws4_request");
  }
  const secret = secretFor(accessKeyId);
  if (secret === undefined) return fail("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.");

  const signedHeaders = parsed.signedHeaders.split(";");
  if (!signedHeaders.includes("host")) return malformed("The host header must be signed");
  const unsigned = Object.keys(req.headers).filter((name) => name.startsWith("x-amz-") && !signedHeaders.includes(name));
  if (unsigned.length) {
    return fail("AccessDenied", `There were headers present in the request which were not signed: ${unsigned.join(", ")}`);
  }

  const canonicalRequest = [
    req.method.toUpperCase(),
    canonicalUri(path),
    parsed.canonicalQuery,
    signedHeaders.map((name) => `${name}:${(header(req, name) ?? "").trim().replace(/\s+/g, " ")}\n`).join(""),
    parsed.signedHeaders,
    parsed.payloadHash,
  ].join("\n");
  const scope = `${date}/${region}/s3/aws4_request`;
  const stringToSign = [ALGORITHM, parsed.amzDate, scope, sha256(canonicalRequest)].join("\n");
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), "s3"), "aws4_request");
  const expected = Buffer.from(hmac(signingKey, stringToSign).toString("hex"));
  const given = Buffer.from(parsed.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return {
      ok: false,
      code: "SignatureDoesNotMatch",
      message: "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
      details: { AWSAccessKeyId: accessKeyId, StringToSign: stringToSign, CanonicalRequest: canonicalRequest },
    };
  }
  return { ok: true, accessKeyId };
}
