import { z } from "zod";

const emptyAsUndefined = (value: unknown) => (value === "" ? undefined : value);
const str = () => z.preprocess(emptyAsUndefined, z.string().optional());
const int = (fallback: number) => z.preprocess(emptyAsUndefined, z.coerce.number().int().positive().default(fallback));
const bool = (fallback: boolean) =>
  z.preprocess(
    (v) => (v === "" || v === undefined ? undefined : ["1", "true", "yes", "on"].includes(String(v).toLowerCase())),
    z.boolean().default(fallback),
  );
const optionalBool = () =>
  z.preprocess(
    (v) => (v === "" || v === undefined ? undefined : ["1", "true", "yes", "on"].includes(String(v).toLowerCase())),
    z.boolean().optional(),
  );

/**
 * Every setting of web and worker. Nothing else in the project reads `process.env`.
 * Defaults are the embedded development setup; production refuses them (see `assertProductionReady`).
 */
export const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  /** Postgres connection string. Unset: the dev/test scripts start an embedded Postgres and set it. */
  DATABASE_URL: str(),
  /** Where the embedded Postgres and storage keep their files. */
  DATA_DIR: z.preprocess(emptyAsUndefined, z.string().default(".data")),
  /** Port of the embedded Postgres (only used when DATABASE_URL is unset). */
  EMBEDDED_PG_PORT: int(54329),
  /** S3 endpoint (e.g. https://s3.eu-west-1.amazonaws.com or a MinIO URL). Unset: AWS default endpoint. */
  S3_ENDPOINT: str(),
  /** Endpoint the browser uses for presigned uploads, when it differs from S3_ENDPOINT. */
  S3_PUBLIC_ENDPOINT: str(),
  S3_BUCKET: z.preprocess(emptyAsUndefined, z.string().default("pagewise")),
  S3_REGION: z.preprocess(emptyAsUndefined, z.string().default("us-east-1")),
  S3_ACCESS_KEY_ID: str(),
  S3_SECRET_ACCESS_KEY: str(),
  /** Path-style addressing (needed by MinIO and the embedded store). */
  S3_FORCE_PATH_STYLE: bool(false),
  /** Port of the embedded S3-compatible store (only when S3_ENDPOINT is unset in dev). */
  EMBEDDED_S3_PORT: int(54330),
  /** Largest accepted upload, in MiB. */
  MAX_UPLOAD_MB: int(100),
  /** Documents with more pages are failed with a message naming the limit. */
  MAX_PAGES: int(2000),
  /** Render cap per page, in pixels (width x height). */
  MAX_PAGE_PIXELS: int(4_000_000),
  /** A page whose rendering takes longer fails with a clear reason. */
  RENDER_TIMEOUT_MS: int(30_000),
  /**
   * Width in pixels of the page image stored for the viewer (JPEG), drawn apart from the model input and
   * capped by MAX_PAGE_PIXELS; 0 stores the model's input image (WebP) instead, as before.
   */
  DISPLAY_IMAGE_WIDTH: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(10_000).default(1600)),
  /** Model folder (holds model.json + the .onnx); installed, and the default model unless DEFAULT_MODEL says otherwise. */
  MODEL_DIR: z.preprocess(emptyAsUndefined, z.string().default("models/baseline")),
  /**
   * Where models are installed: comma-separated folders, each a model folder (model.json + .onnx) or a folder of
   * model folders. MODEL_DIR is always installed too.
   * @defaultValue "models"
   */
  MODEL_FOLDERS: z.preprocess(emptyAsUndefined, z.string().default("models")),
  /** Id of the model uploads use when they name none. Unset: MODEL_DIR's model. */
  DEFAULT_MODEL: str(),
  /**
   * Model ids this worker process loads (one onnxruntime session each) and takes jobs for, comma-separated.
   * @defaultValue the default model only, so memory stays one model per process
   */
  WORKER_MODELS: str(),
  /** Hugging Face hub (or a mirror) that `npm run model:pull` downloads from. */
  MODEL_HUB_URL: z.preprocess(emptyAsUndefined, z.url().default("https://huggingface.co")),
  /** Postgres schema of the job queue (Graphile Worker); separate Pagewise installs can share a database. */
  QUEUE_SCHEMA: z.preprocess(emptyAsUndefined, z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/).default("graphile_worker")),
  /** Jobs one worker process runs at once; inference itself is serialised, so 2 overlaps render with inference. */
  WORKER_CONCURRENCY: int(2),
  /**
   * A worker silent this long is taken for dead and its locked jobs are released to others
   * (Graphile Worker alone would wait 4 hours).
   */
  WORKER_DEAD_AFTER_MS: int(45_000),
  /**
   * PDFs a worker keeps on local disk for the page jobs of their documents (files a job holds are never
   * removed, so the folder may briefly hold more).
   */
  PDF_CACHE_MAX_FILES: int(8),
  /** onnxruntime intra-op threads (0 = one per core). */
  ORT_THREADS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).default(0)),
  /** Password for /admin. Required in production. */
  ADMIN_PASSWORD: str(),
  /** Port of the web process. */
  PORT: int(3000),
  /** Uploads not completed within this many minutes are failed and their object deleted. */
  UPLOAD_EXPIRY_MINUTES: int(30),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  /** Set by CI services: the test setup then fails when ../shared/models is missing instead of skipping its tests. */
  CI: bool(false),
  /** "on": regions of pages without a usable PDF text layer are read by OCR (tesseract.js, offline) in `page__ocr` jobs. */
  OCR: z.preprocess(emptyAsUndefined, z.enum(["on", "off"]).default("off")),
  /** OCR language: the @tesseract.js-data/<code> package must be installed ("eng" is). */
  OCR_LANG: z.preprocess(emptyAsUndefined, z.string().regex(/^[a-z_]{3,16}$/).default("eng")),
  /** A page whose OCR takes longer keeps its boxes without text, with a note. */
  OCR_TIMEOUT_MS: int(180_000),
  /**
   * What a worker process serves: "all" (detection, and OCR when OCR=on), "detect" (no OCR), or "ocr" (only
   * OCR jobs, no layout model loaded: run OCR in its own process or dyno, so it does not share the model's memory).
   */
  WORKER_TASKS: z.preprocess(emptyAsUndefined, z.enum(["all", "detect", "ocr"]).default("all")),
  /**
   * Whether uploads without an API key or admin session are accepted (the browser home page).
   * @defaultValue true, except in production
   */
  ANONYMOUS_UPLOADS: optionalBool(),
  /** Requests one API key may make per minute (uploads count here and in the upload limit). */
  API_KEY_REQUESTS_PER_MINUTE: int(600),
  /** HMAC-SHA256 secret webhook events are signed with. Required in production. */
  WEBHOOK_SECRET: str(),
  /**
   * Whether callback URLs may resolve to loopback, private or link-local addresses (SSRF guard off).
   * @defaultValue true, except in production
   */
  WEBHOOK_ALLOW_PRIVATE: optionalBool(),
  /** A receiver that has not answered within this time counts as a failed attempt. */
  WEBHOOK_TIMEOUT_MS: int(10_000),
  /** Attempts per webhook event before it is marked failed (exponential backoff between them). */
  WEBHOOK_MAX_ATTEMPTS: int(8),
});

/** Anonymous uploads: open unless configured otherwise, closed by default in production. */
export const anonymousUploadsOpen = (env: Env) => env.ANONYMOUS_UPLOADS ?? env.NODE_ENV !== "production";
/** Callback URLs to private addresses: allowed unless configured otherwise, refused by default in production. */
export const privateCallbacksAllowed = (env: Env) => env.WEBHOOK_ALLOW_PRIVATE ?? env.NODE_ENV !== "production";
/** Development and tests sign with a fixed secret; production refuses to start without WEBHOOK_SECRET. */
export const webhookSecret = (env: Env) => env.WEBHOOK_SECRET ?? "pagewise-development-webhook-secret";

export type Env = z.infer<typeof envSchema>;

/** Credentials of the local S3-compatible store (development and tests); production refuses them. */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: "pagewise-local", secretAccessKey: "pagewise-local-secret-key" };

export function parseEnv(source: Record<string, string | undefined>): Env {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    throw new Error(`Invalid configuration:\n${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

function isLoopback(url: string | undefined): boolean {
  if (!url) return false;
  try {
    return ["localhost", "127.0.0.1", "[::1]"].includes(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** Settings that must be explicit in production; returns a list of problems, empty when fine. */
export function productionProblems(env: Env): string[] {
  const problems: string[] = [];
  if (!env.DATABASE_URL) problems.push("DATABASE_URL is not set (the embedded Postgres is for development only)");
  if (!env.S3_ENDPOINT && !env.S3_ACCESS_KEY_ID)
    problems.push("S3 credentials are not set (S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY)");
  // The key is public: it is only acceptable for a store no other machine can reach (`npm start` runs one).
  const storeOnLoopback = isLoopback(env.S3_ENDPOINT) && (!env.S3_PUBLIC_ENDPOINT || isLoopback(env.S3_PUBLIC_ENDPOINT));
  if (env.S3_ACCESS_KEY_ID === LOCAL_S3_CREDENTIALS.accessKeyId && !storeOnLoopback)
    problems.push("S3_ACCESS_KEY_ID is the embedded store's dummy key");
  if (!env.ADMIN_PASSWORD) problems.push("ADMIN_PASSWORD is not set (the admin page has no default password)");
  else if (env.ADMIN_PASSWORD.length < 12) problems.push("ADMIN_PASSWORD is shorter than 12 characters");
  if (!env.WEBHOOK_SECRET) problems.push("WEBHOOK_SECRET is not set (webhook events are signed with it)");
  else if (env.WEBHOOK_SECRET.length < 16) problems.push("WEBHOOK_SECRET is shorter than 16 characters");
  return problems;
}

let cached: Env | undefined;

/** The validated configuration of this process, parsed once. */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}
