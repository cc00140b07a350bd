import { HeadBucketCommand } from "@aws-sdk/client-s3";
import type { healthSchema } from "@/lib/api-types";
import { sql, storage } from "@/lib/server/context";
import type { z } from "zod";

export const dynamic = "force-dynamic";

const withTimeout = <T,>(promise: Promise<T>, ms: number) =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), ms))]);

async function probe(fn: () => Promise<unknown>) {
  const started = performance.now();
  try {
    await withTimeout(fn(), 3000);
    return { ok: true, ms: Math.round(performance.now() - started) };
  } catch {
    return { ok: false, ms: Math.round(performance.now() - started) };
  }
}

export async function GET() {
  const [database, store] = await Promise.all([
    probe(() => sql()`select 1`),
    probe(() => storage().client.send(new HeadBucketCommand({ Bucket: storage().bucket }))),
  ]);
  const ok = database.ok && store.ok;
  const body: z.infer<typeof healthSchema> = { status: ok ? "ok" : "degraded", database, storage: store };
  return Response.json(body, { status: ok ? 200 : 503 });
}
