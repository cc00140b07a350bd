import Link from "next/link";

export default function NotFound() {
  return (
    <div className="space-y-3">
      <h1 className="text-2xl font-semibold tracking-tight">Page not found</h1>
      <p className="text-ink-muted">There is nothing at this address.</p>
      <Link href="/" className="text-accent-700 underline">
        Go to the upload page
      </Link>
    </div>
  );
}
