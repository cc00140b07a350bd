/**
 * Static security headers. The Content-Security-Policy itself depends on runtime configuration (the
 * storage origin the browser uploads to), so the root layout emits it as a <meta> tag; frame-ancestors
 * cannot be set that way and X-Frame-Options covers it here.
 */
const securityHeaders = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  { key: "Content-Security-Policy", value: "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
];

/** @type {import('next').NextConfig} */
const nextConfig = {
  output: "standalone",
  poweredByHeader: false,
  // Server-only packages with native parts or dynamic requires stay outside the bundle.
  serverExternalPackages: ["graphile-worker", "pg", "postgres", "onnxruntime-node", "@napi-rs/canvas", "pdfjs-dist"],
  // `npm test` type-checks the whole project (web, worker, tests) with tsc before building; the build
  // does not do it a second time.
  typescript: { ignoreBuildErrors: true },
  async headers() {
    return [{ source: "/:path*", headers: securityHeaders }];
  },
};

export default nextConfig;
