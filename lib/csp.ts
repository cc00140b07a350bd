import type { Env } from "./env";

/** Origins the browser talks to for uploads and page images. */
export function storageOrigins(env: Env): string[] {
  const endpoint = env.S3_PUBLIC_ENDPOINT ?? env.S3_ENDPOINT;
  if (endpoint) return [new URL(endpoint).origin];
  return [`https://${env.S3_BUCKET}.s3.${env.S3_REGION}.amazonaws.com`, `https://s3.${env.S3_REGION}.amazonaws.com`];
}

/** The page CSP: no eval outside development (React's dev tooling needs it), nothing third-party. */
export function contentSecurityPolicy(env: Env): string {
  const storage = storageOrigins(env).join(" ");
  const dev = env.NODE_ENV === "development";
  return [
    "default-src 'self'",
    `script-src 'self' 'unsafe-inline'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' data: blob: ${storage}`,
    `connect-src 'self' ${storage}${dev ? " ws: wss:" : ""}`,
    "font-src 'self'",
    "worker-src 'self' blob:",
  ].join("; ");
}
