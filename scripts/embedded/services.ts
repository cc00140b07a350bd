import path from "node:path";
import { LOCAL_S3_CREDENTIALS, type Env } from "../../lib/env";
import { startLocalS3 } from "../local-s3/server";
import { startEmbeddedPostgres } from "./postgres";

/** Credentials of the local S3-compatible store (defined in lib/env.ts, which refuses them in production). */
export { LOCAL_S3_CREDENTIALS };

export type EmbeddedServices = {
  /** Variables to hand to web and worker so they use what was started here. */
  env: Record<string, string>;
  stop(): Promise<void>;
};

/**
 * Starts what the configuration does not point elsewhere: an embedded Postgres when DATABASE_URL is unset,
 * a local S3-compatible store when S3_ENDPOINT is unset.
 */
export async function startEmbeddedServices(
  env: Env,
  opts: { dataDir: string; webOrigins: string[]; pgPort?: number; s3Port?: number; log: (line: string) => void },
): Promise<EmbeddedServices> {
  const out: Record<string, string> = {};
  const stops: (() => Promise<void>)[] = [];
  try {
    if (!env.DATABASE_URL) {
      const pg = await startEmbeddedPostgres({
        dataDir: path.join(opts.dataDir, "postgres"),
        port: opts.pgPort ?? env.EMBEDDED_PG_PORT,
        log: (l) => opts.log(`postgres: ${l}`),
      });
      stops.unshift(pg.stop);
      out.DATABASE_URL = pg.url;
      opts.log(`postgres: embedded, port ${opts.pgPort ?? env.EMBEDDED_PG_PORT}`);
    }
    if (!env.S3_ENDPOINT) {
      const s3 = await startLocalS3({
        dataDir: path.join(opts.dataDir, "s3"),
        port: opts.s3Port ?? env.EMBEDDED_S3_PORT,
        bucket: env.S3_BUCKET,
        ...LOCAL_S3_CREDENTIALS,
        corsOrigins: opts.webOrigins,
      });
      stops.unshift(s3.close);
      Object.assign(out, {
        S3_ENDPOINT: s3.endpoint,
        S3_FORCE_PATH_STYLE: "true",
        S3_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
        S3_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
      });
      opts.log(`storage: local S3-compatible store at ${s3.endpoint}, bucket ${env.S3_BUCKET}`);
    }
  } catch (error) {
    for (const stop of stops) await stop().catch(() => {});
    throw error;
  }
  return {
    env: out,
    async stop() {
      for (const stop of stops) await stop().catch(() => {});
    },
  };
}
