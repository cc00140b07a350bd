import { z } from "zod";
import { apiKeyListSchema, createApiKeyRequestSchema, createApiKeyResponseSchema, apiKeySchema } from "./api-keys-types";
import {
  documentListQuerySchema,
  documentQuerySchema,
  compareQuerySchema,
  createRunRequestSchema,
  exportQuerySchema,
  loginRequestSchema,
  pageQuerySchema,
  searchQuerySchema,
  webhookQuerySchema,
} from "./api-query";
import {
  adminSearchSchema,
  apiErrorSchema,
  createUploadRequestSchema,
  createUploadResponseSchema,
  documentDetailSchema,
  documentListSchema,
  documentSchema,
  documentSearchSchema,
  healthSchema,
  modelListSchema,
  pageSchema,
  runAgreementSchema,
  runListSchema,
  runSchema,
  streamEventSchema,
} from "./api-types";
import { cocoExportSchema, detectionsJsonV2 } from "./export-schema";
import { webhookDeliveryListSchema, webhookEventSchema } from "./webhook-types";

type Auth = "public" | "document" | "admin" | "keyOrAdmin" | "upload";
/** `schema` (with `contentType`, default JSON) for one kind of body; `content` when the answer comes in several. */
type Response = {
  description: string;
  schema?: z.ZodType;
  contentType?: string;
  content?: Record<string, z.ZodType>;
  headers?: Record<string, string>;
};

/** One route of app/api: the zod schemas it parses its input with and answers with. */
export type Operation = {
  method: "get" | "post" | "delete";
  path: string;
  summary: string;
  auth: Auth;
  query?: z.ZodObject;
  body?: z.ZodType;
  responses: Record<number, Response>;
};

const documentOnly = z.object({ document: documentSchema });
const pageOnly = z.object({ page: pageSchema });
const ok = z.object({ ok: z.literal(true) });
const apiKeyOnly = z.object({ apiKey: apiKeySchema });
const runOnly = z.object({ run: runSchema });

const err = (description: string): Response => ({ description, schema: apiErrorSchema });
const notFound = err("No such document, or not this caller's (another key's documents are 'not found' too).");
const unauthorized = err("Missing, malformed, wrong or revoked API key; or no admin session where one is needed.");

export const operations: Operation[] = [
  {
    method: "post",
    path: "/api/uploads",
    summary: "Start an upload of a PDF or an image (PNG, JPEG, WebP; TIFF, one page per frame): the answer holds a presigned PUT URL the file goes to directly.",
    auth: "upload",
    body: createUploadRequestSchema,
    responses: {
      201: { description: "Created; PUT the bytes to upload.url with upload.headers, then POST .../complete.", schema: createUploadResponseSchema },
      400: err("Invalid body (including an invalid page selection, a refused callback URL, or `model` naming a model that is not installed: code unknown_model)."),
      401: unauthorized,
      413: err("Larger than MAX_UPLOAD_MB."),
      415: err("contentType is not application/pdf, image/png, image/jpeg, image/webp or image/tiff (nor empty with a .pdf, .png, .jpg, .jpeg, .webp, .tif or .tiff filename)."),
      429: err("Too many uploads or requests."),
    },
  },
  {
    method: "post",
    path: "/api/documents/{id}/complete",
    summary: "Say the PUT finished: the stored object is checked (size, magic bytes, image header, a TIFF's first frame) and the document queued.",
    auth: "document",
    responses: { 200: { description: "The document (queued, or failed with a reason).", schema: documentOnly }, 401: unauthorized, 404: notFound },
  },
  {
    method: "get",
    path: "/api/documents",
    summary: "List documents: all of them for the admin, its own for an API key. Paginated.",
    auth: "keyOrAdmin",
    query: documentListQuerySchema,
    responses: {
      200: { description: "One page of the list.", schema: documentListSchema },
      400: err("Invalid query."),
      401: unauthorized,
    },
  },
  {
    method: "get",
    path: "/api/documents/{id}",
    summary: "A document and its pages (with pages=none: the document alone).",
    auth: "document",
    query: documentQuerySchema,
    responses: { 200: { description: "The document.", schema: z.union([documentDetailSchema, documentOnly]) }, 401: unauthorized, 404: notFound },
  },
  {
    method: "delete",
    path: "/api/documents/{id}",
    summary: "Delete a document, its pages, detections and stored files (admin).",
    auth: "admin",
    responses: { 204: { description: "Deleted." }, 401: unauthorized, 404: notFound },
  },
  {
    method: "get",
    path: "/api/documents/{id}/events",
    summary: "Server-sent events: `snapshot`, then `status` and `page` events until the document ends. Last-Event-ID resumes.",
    auth: "document",
    responses: {
      200: { description: "An event stream; each event's data is one of these JSON objects.", schema: streamEventSchema, contentType: "text/event-stream" },
      401: unauthorized,
      404: notFound,
    },
  },
  {
    method: "get",
    path: "/api/documents/{id}/export",
    summary:
      "Detections download: format=json (pagewise.detections/v2, regions with text and reading order), coco, markdown (the text in reading order, headed by the model) or text (plain; the model is in the x-pagewise-model header).",
    auth: "document",
    query: exportQuerySchema,
    responses: {
      200: {
        description: "The export (an attachment).",
        content: {
          "application/json": z.union([detectionsJsonV2, cocoExportSchema]),
          "text/markdown": z.string(),
          "text/plain": z.string(),
        },
        headers: {
          "x-pagewise-model": "With markdown and text: the model that found the regions (id and kind).",
          "x-pagewise-run": "The run exported (run=N; default 1, the document's own processing).",
        },
      },
      400: err("Unknown format or not a run number."),
      401: unauthorized,
      404: err("No such document (or not this caller's), or no such run."),
    },
  },
  {
    method: "get",
    path: "/api/documents/{id}/search",
    summary: "Regions of this document whose text matches q (full-text, stemmed), in page and reading order, with snippets.",
    auth: "document",
    query: searchQuerySchema,
    responses: {
      200: { description: "The matching regions; snippet parts with match=true are the matched words.", schema: documentSearchSchema },
      400: err("Empty or too long query."),
      401: unauthorized,
      404: notFound,
    },
  },
  {
    method: "get",
    path: "/api/admin/search",
    summary: "Search the region text of every document (admin): best-matching documents first, each with its matching pages and a snippet per page.",
    auth: "admin",
    query: searchQuerySchema,
    responses: {
      200: { description: "The matching documents.", schema: adminSearchSchema },
      400: err("Empty or too long query."),
      401: unauthorized,
    },
  },
  {
    method: "get",
    path: "/api/documents/{id}/pages/{page}",
    summary: "One page with its detections by one run (run=N; default 1, the document's own processing).",
    auth: "document",
    query: pageQuerySchema,
    responses: {
      200: { description: "The page as that run saw it (status, model time, boxes and note are the run's; image and text layer the page's).", schema: pageOnly },
      400: err("Not a page or run number."),
      401: unauthorized,
      404: err("No such document (or not this caller's), page, or run; or the run does not cover the page."),
    },
  },
  {
    method: "get",
    path: "/api/documents/{id}/runs",
    summary: "The document's runs: run 1 is its own processing, later runs re-detect its pages with another model.",
    auth: "document",
    responses: { 200: { description: "Every run, oldest first.", schema: runListSchema }, 401: unauthorized, 404: notFound },
  },
  {
    method: "post",
    path: "/api/documents/{id}/runs",
    summary: "Run a finished document again with an installed model (admin): a new run over its rendered pages; its detections are kept apart.",
    auth: "admin",
    body: createRunRequestSchema,
    responses: {
      201: { description: "The new run (processing).", schema: runOnly },
      400: err("Invalid body or no installed model with that id."),
      401: unauthorized,
      404: notFound,
      409: err("The document is not done."),
    },
  },
  {
    method: "post",
    path: "/api/documents/{id}/runs/{run}/cancel",
    summary: "Cancel a later run in progress (admin); pages already running finish. Run 1 is cancelled with its document.",
    auth: "admin",
    responses: { 200: { description: "The run.", schema: runOnly }, 400: err("Not a run number."), 401: unauthorized, 404: err("No such document or run."), 409: err("Run 1, or not in progress.") },
  },
  {
    method: "post",
    path: "/api/documents/{id}/runs/{run}/retry",
    summary: "Queue the failed and cancelled pages of a later run again (admin). Run 1 is retried with its document.",
    auth: "admin",
    responses: { 200: { description: "The run.", schema: runOnly }, 400: err("Not a run number."), 401: unauthorized, 404: err("No such document or run."), 409: err("Run 1, in progress, or nothing to retry.") },
  },
  {
    method: "get",
    path: "/api/documents/{id}/compare",
    summary: "Agreement of run b with run a: matched-box F1 at IoU 0.5 per page (as the engine's fidelity report computes it, classes by label) and the pages where they disagree most.",
    auth: "document",
    query: compareQuerySchema,
    responses: { 200: { description: "Over the pages both runs finished.", schema: runAgreementSchema }, 400: err("a or b is not a run number."), 401: unauthorized, 404: err("No such document or run.") },
  },
  {
    method: "get",
    path: "/api/documents/{id}/pages/{page}/image",
    summary: "Redirect to a short-lived presigned URL of the rendered page image (JPEG at DISPLAY_IMAGE_WIDTH; WebP when that is 0).",
    auth: "document",
    responses: { 302: { description: "See Location.", headers: { location: "Presigned URL of the image." } }, 401: unauthorized, 404: notFound },
  },
  {
    method: "post",
    path: "/api/documents/{id}/retry",
    summary: "Queue a failed or cancelled document again (admin).",
    auth: "admin",
    responses: { 200: { description: "The document.", schema: documentOnly }, 401: unauthorized, 404: notFound, 409: err("Not retryable.") },
  },
  {
    method: "post",
    path: "/api/documents/{id}/cancel",
    summary: "Cancel a document in progress (admin).",
    auth: "admin",
    responses: { 200: { description: "The document.", schema: documentOnly }, 401: unauthorized, 404: notFound, 409: err("Not in progress.") },
  },
  {
    method: "get",
    path: "/api/keys",
    summary: "List API keys (admin); secrets are never listed.",
    auth: "admin",
    responses: { 200: { description: "The keys.", schema: apiKeyListSchema }, 401: unauthorized },
  },
  {
    method: "post",
    path: "/api/keys",
    summary: "Create an API key (admin). The secret is in this answer only.",
    auth: "admin",
    body: createApiKeyRequestSchema,
    responses: { 201: { description: "The key and its secret.", schema: createApiKeyResponseSchema }, 400: err("Invalid body."), 401: unauthorized },
  },
  {
    method: "delete",
    path: "/api/keys/{id}",
    summary: "Revoke an API key (admin): its next request gets a 401.",
    auth: "admin",
    responses: { 200: { description: "The revoked key.", schema: apiKeyOnly }, 401: unauthorized, 404: err("No such key.") },
  },
  {
    method: "get",
    path: "/api/webhooks",
    summary: "Webhook delivery log, newest first: all (admin) or one document's (admin or its key).",
    auth: "keyOrAdmin",
    query: webhookQuerySchema,
    responses: { 200: { description: "Deliveries.", schema: webhookDeliveryListSchema }, 400: err("Invalid query."), 401: unauthorized, 404: notFound },
  },
  {
    method: "post",
    path: "/api/admin/login",
    summary: "Admin sign-in; sets the session cookie.",
    auth: "public",
    body: loginRequestSchema,
    responses: { 200: { description: "Signed in.", schema: ok }, 401: err("Wrong password."), 429: err("Too many attempts.") },
  },
  {
    method: "post",
    path: "/api/admin/logout",
    summary: "Admin sign-out.",
    auth: "public",
    responses: { 200: { description: "Signed out.", schema: ok } },
  },
  {
    method: "get",
    path: "/api/models",
    summary: "The installed models an upload may name (`model`), which one is the default, and whether a live worker serves each (the workers themselves are listed for API keys and the admin).",
    auth: "public",
    responses: { 200: { description: "Installed models, by id.", schema: modelListSchema } },
  },
  {
    method: "get",
    path: "/api/health",
    summary: "Database and storage checks.",
    auth: "public",
    responses: { 200: { description: "Both reachable.", schema: healthSchema }, 503: { description: "One is down.", schema: healthSchema } },
  },
  {
    method: "get",
    path: "/api/openapi.json",
    summary: "This description.",
    auth: "public",
    responses: { 200: { description: "OpenAPI 3.1 document." } },
  },
];

const SECURITY: Record<Auth, { description: string; security?: Record<string, string[]>[] }> = {
  public: { description: "", security: [] },
  upload: { description: "An API key; without one, only when the server accepts anonymous uploads (ANONYMOUS_UPLOADS) or with the admin session.", security: [{ apiKey: [] }, { adminSession: [] }, {}] },
  document: { description: "A key reads only its own documents; documents uploaded without a key are read by their id.", security: [{ apiKey: [] }, { adminSession: [] }, {}] },
  admin: { description: "Admin session.", security: [{ adminSession: [] }] },
  keyOrAdmin: { description: "An API key or the admin session.", security: [{ apiKey: [] }, { adminSession: [] }] },
};

// Input side for request schemas (defaults are optional there), output side for responses.
const jsonSchema = (schema: z.ZodType, io: "input" | "output") => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Record<string, unknown>;
  return rest;
};

function parameters(op: Operation) {
  const params: unknown[] = [...op.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
    name,
    in: "path",
    required: true,
    schema: name === "page" ? { type: "integer", minimum: 1 } : { type: "string", format: "uuid" },
  }));
  if (op.query) {
    for (const [name, field] of Object.entries(op.query.shape)) {
      const schema = jsonSchema(field as z.ZodType, "input");
      params.push({ name, in: "query", required: !(field as z.ZodType).safeParse(undefined).success, schema, ...(schema.description ? { description: schema.description } : {}) });
    }
  }
  return params;
}

const bodies = (r: Response) => r.content ?? (r.schema ? { [r.contentType ?? "application/json"]: r.schema } : undefined);

/** The OpenAPI 3.1 document, built from the zod schemas the routes use. */
export function openApiDocument(opts: { serverUrl?: string } = {}) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const security = SECURITY[op.auth];
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      summary: op.summary,
      ...(security.description ? { description: security.description } : {}),
      ...(security.security ? { security: security.security } : {}),
      parameters: parameters(op),
      ...(op.body ? { requestBody: { required: true, content: { "application/json": { schema: jsonSchema(op.body, "input") } } } } : {}),
      responses: Object.fromEntries(
        Object.entries(op.responses).map(([status, r]) => [
          status,
          {
            description: r.description,
            ...(bodies(r) ? { content: Object.fromEntries(Object.entries(bodies(r)!).map(([type, schema]) => [type, { schema: jsonSchema(schema, "output") }])) } : {}),
            ...(r.headers ? { headers: Object.fromEntries(Object.entries(r.headers).map(([h, d]) => [h, { description: d, schema: { type: "string" } }])) } : {}),
          },
        ]),
      ),
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Pagewise API",
      version: "1",
      description:
        "Layout detection over PDFs. Errors are { error: { code, message } }. Every result names the model that produced it; the bundled baseline is a heuristic, not a trained model.",
    },
    ...(opts.serverUrl ? { servers: [{ url: opts.serverUrl }] } : {}),
    components: {
      securitySchemes: {
        apiKey: { type: "http", scheme: "bearer", description: "Authorization: Bearer pw_… (created in /admin)." },
        adminSession: { type: "apiKey", in: "cookie", name: "pagewise_admin" },
      },
    },
    paths,
    webhooks: {
      documentEvent: {
        post: {
          summary:
            "Sent to callbackUrl when a document ends (and after each page with callbackPages). Headers: Pagewise-Event-Id, Pagewise-Timestamp (Unix seconds), Pagewise-Signature: v1=hex(HMAC-SHA256(WEBHOOK_SECRET, `${timestamp}.${body}`)). Answer 2xx; anything else is retried with exponential backoff.",
          requestBody: { content: { "application/json": { schema: jsonSchema(webhookEventSchema, "output") } } },
          responses: { 200: { description: "Any 2xx acknowledges the event." } },
        },
      },
    },
  };
}
