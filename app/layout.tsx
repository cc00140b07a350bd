import type { Metadata } from "next";
import Link from "next/link";
import { connection } from "next/server";
import type { ReactNode } from "react";
import { Providers } from "@/components/providers";
import { contentSecurityPolicy } from "@/lib/csp";
import { env } from "@/lib/env";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Pagewise", template: "%s · Pagewise" },
  description: "Layout detection for PDFs: upload documents and see the detected regions on every page.",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // The CSP names the storage origin, which is runtime configuration: render per request, not at build time.
  await connection();
  const csp = contentSecurityPolicy(env());
  return (
    <html lang="en">
      <head>
        <meta httpEquiv="Content-Security-Policy" content={csp} />
      </head>
      <body className="min-h-screen font-sans">
        <a
          href="#main"
          className="sr-only focus:not-sr-only focus:absolute focus:left-4 focus:top-3 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:shadow"
        >
          Skip to content
        </a>
        <header className="border-b border-line bg-white">
          <nav aria-label="Main" className="mx-auto flex max-w-6xl items-center justify-between px-4 py-3">
            <Link href="/" className="text-lg font-semibold tracking-tight text-ink hover:text-accent-700">
              Pagewise
            </Link>
            <span className="flex gap-1">
              <Link href="/api-docs" className="rounded px-2 py-1 text-sm text-ink-muted hover:bg-accent-50 hover:text-accent-700">
                API
              </Link>
              <Link href="/admin" className="rounded px-2 py-1 text-sm text-ink-muted hover:bg-accent-50 hover:text-accent-700">
                Admin
              </Link>
            </span>
          </nav>
        </header>
        <Providers>
          <main id="main" className="mx-auto max-w-6xl px-4 py-8">
            {children}
          </main>
        </Providers>
      </body>
    </html>
  );
}
