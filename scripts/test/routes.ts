/**
 * Calls Next.js route handlers (app/api/**) as the web process does: a real Request in, a Response out,
 * the handlers reaching Postgres, storage and the queue through lib/server/context. The process settings
 * must be in process.env before the first call (lib/env parses them once).
 */
type Handler<P> = (request: Request, ctx: { params: Promise<P> }) => Promise<Response>;

export const BASE = "http://pagewise.test";

export async function call<P = Record<string, never>>(
  handler: Handler<P>,
  opts: { path: string; method?: string; headers?: Record<string, string>; json?: unknown; params?: P },
): Promise<{ status: number; body: any; response: Response }> {
  const headers = new Headers(opts.headers);
  if (opts.json !== undefined) headers.set("content-type", "application/json");
  const request = new Request(new URL(opts.path, BASE), {
    method: opts.method ?? "GET",
    headers,
    body: opts.json !== undefined ? JSON.stringify(opts.json) : undefined,
  });
  const response = await handler(request, { params: Promise.resolve((opts.params ?? {}) as P) });
  const type = response.headers.get("content-type") ?? "";
  const body = type.includes("json") ? await response.clone().json() : null;
  return { status: response.status, body, response };
}

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** Signs in with the admin password through the login route; returns the cookie header to send. */
export async function adminCookie(password: string): Promise<Record<string, string>> {
  const { POST } = await import("../../app/api/admin/login/route");
  const { response, status } = await call(POST, { path: "/api/admin/login", method: "POST", json: { password } });
  if (status !== 200) throw new Error(`admin login failed: ${status}`);
  const cookie = response.headers.get("set-cookie")!.split(";")[0]!;
  return { cookie };
}
