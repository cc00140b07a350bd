import http from "node:http";
import https from "node:https";
import type { LookupAddress } from "../../lib/webhook-guard";

export type PostResult = { status: number; location: string | null };

/**
 * POSTs `body` to `url`, connecting only to `addresses` (the ones the SSRF guard checked: no second DNS
 * lookup to rebind), never following redirects, and giving up after `timeoutMs` in all (connect + headers).
 */
export function postJson(url: URL, addresses: LookupAddress[], headers: Record<string, string>, body: string, timeoutMs: number): Promise<PostResult> {
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(
      url,
      {
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        lookup: (_host, options, callback) => {
          if ((options as { all?: boolean }).all) (callback as (e: null, a: LookupAddress[]) => void)(null, addresses);
          else (callback as (e: null, a: string, f: number) => void)(null, addresses[0]!.address, addresses[0]!.family);
        },
      },
      (response) => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, location: response.headers.location ?? null });
        response.destroy(); // the answer's body is not needed, and a slow one must not hold the job
      },
    );
    const timer = setTimeout(() => request.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    request.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.end(body);
  });
}
