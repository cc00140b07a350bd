import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { env } from "../env";
import { AppError } from "../errors";
import { createRateLimiter } from "./rate-limit";

export const ADMIN_COOKIE = "pagewise_admin";
/** An admin session lasts this long. */
export const ADMIN_SESSION_SECONDS = 8 * 60 * 60;
/** Wrong passwords allowed per client address per window before it is made to wait. */
const failures = createRateLimiter({ limit: 5, windowMs: 15 * 60_000 });

function adminPassword(): string {
  const password = env().ADMIN_PASSWORD;
  if (!password) {
    throw new AppError("unavailable", "ADMIN_PASSWORD unset", "The admin page is disabled: ADMIN_PASSWORD is not configured.");
  }
  return password;
}

const digest = (value: string) => createHash("sha256").update(value).digest();

function sign(payload: string): string {
  return createHmac("sha256", digest(`pagewise-admin:${adminPassword()}`)).update(payload).digest("base64url");
}

/** Compares digests so neither the length nor the content of the password leaks through timing. */
export function verifyLogin(candidate: string, client: string): string {
  const blocked = failures.hit(client);
  if (blocked) {
    throw new AppError("rate_limited", "too many admin failures", `Too many attempts. Try again in ${blocked} s.`);
  }
  if (!timingSafeEqual(digest(candidate), digest(adminPassword()))) {
    throw new AppError("unauthorized", "wrong admin password", "Wrong password.");
  }
  failures.reset(client);
  const expires = Math.floor(Date.now() / 1000) + ADMIN_SESSION_SECONDS;
  return `${expires}.${sign(String(expires))}`;
}

export function isAdminSession(cookieValue: string | undefined): boolean {
  if (!cookieValue || !env().ADMIN_PASSWORD) return false;
  const [expires, mac] = cookieValue.split(".");
  if (!expires || !mac || Number(expires) * 1000 < Date.now()) return false;
  const expected = Buffer.from(sign(expires));
  const given = Buffer.from(mac);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export function readCookie(request: Request, name: string): string | undefined {
  const header = request.headers.get("cookie") ?? "";
  for (const part of header.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return decodeURIComponent(v.join("="));
  }
  return undefined;
}

export function requireAdmin(request: Request): void {
  if (!isAdminSession(readCookie(request, ADMIN_COOKIE))) {
    throw new AppError("unauthorized", "admin session required", "Sign in to the admin page first.");
  }
}

export function sessionCookie(value: string, secure: boolean): string {
  return `${ADMIN_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${ADMIN_SESSION_SECONDS}${secure ? "; Secure" : ""}`;
}
