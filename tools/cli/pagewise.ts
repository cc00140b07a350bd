import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { acceptedContentType, ACCEPTED_NAMES } from "../../lib/accepted-files";
import { pageRangeSchema } from "../../lib/page-range";
import { createClient, ServerError, type Client } from "./client";
import { bar, createProgress, formatBytes, pageProgress } from "./progress";

export const HELP = `pagewise: process documents with a Pagewise server from the command line

Usage:
  npx pagewise process <files or folders...> --url <server> [options]

Uploads each PDF or PNG/JPEG/WebP/TIFF image (a folder: every such file in it, not recursive; an image is a
one-page document, a TIFF one page per frame) straight to storage through a presigned URL,
follows the server's event stream page by page, and writes each document's export to --out.

Options:
  --url <url>          the Pagewise server, e.g. http://localhost:3000 or https://pagewise.example.com (required)
  --key <key>          API key (pw_…), sent as Authorization: Bearer; needed unless the server takes anonymous uploads
  --format <format>    json (pagewise.detections/v2, default), coco, markdown or text;
                       passed to the server's export as is
  --out <dir>          where results go (default: ./pagewise-results); one file per document:
                       <name>.detections.json, <name>.coco.json, <name>.md or <name>.txt
  --pages <range>      only these pages of every file, e.g. "1-5,8"
  --model <id>         the installed model to use (GET /api/models lists them; default: the server's default)
  --concurrency <n>    files processed at once (default 2)
  -h, --help           this text

Exit status: 0 when every document is done; 1 when any failed (the server's reason is printed); 2 for a
usage error. Results name the model that produced them; the bundled baseline is a heuristic, not trained.
`;

const optionsSchema = z.object({
  url: z.url({ protocol: /^https?$/, message: "--url must be an http(s) URL, e.g. http://localhost:3000" }),
  key: z.string().min(1).optional(),
  format: z.string().regex(/^[a-z]+$/, "--format must be a word such as json, coco or markdown").default("json"),
  out: z.string().default("pagewise-results"),
  pages: pageRangeSchema.optional(),
  model: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "--model must be a model id such as baseline-heuristic").optional(),
  concurrency: z.coerce.number().int().min(1).max(16).default(2),
});
type Options = z.infer<typeof optionsSchema>;

const EXTENSIONS: Record<string, string> = { json: ".detections.json", coco: ".coco.json", markdown: ".md", text: ".txt" };
/** What the server takes, by file extension (the server checks the bytes). */
const contentTypeOf = (file: string) => acceptedContentType("", file) ?? undefined;

class UsageError extends Error {}

async function collectFiles(inputs: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const input of inputs) {
    const info = await stat(input).catch(() => null);
    if (!info) throw new UsageError(`No such file or folder: ${input}`);
    if (info.isDirectory()) {
      const names = (await readdir(input)).filter((n) => contentTypeOf(n)).sort();
      files.push(...names.map((n) => path.join(input, n)));
    } else files.push(input);
  }
  if (!files.length) throw new UsageError(`No ${ACCEPTED_NAMES} files found in the given paths.`);
  return files;
}

type Result = { file: string; ok: boolean; message: string; output?: string };

async function processFile(client: Client, file: string, opts: Options, progress: ReturnType<typeof createProgress>, outNames: Set<string>): Promise<Result> {
  const label = path.basename(file);
  try {
    const bytes = new Uint8Array(await readFile(file));
    const { document, upload } = await client.createUpload({
      filename: label,
      sizeBytes: bytes.length,
      contentType: contentTypeOf(file) ?? "application/pdf",
      ...(opts.pages ? { pages: opts.pages } : {}),
      ...(opts.model ? { model: opts.model } : {}),
    });
    progress.update(label, `${bar(0)} uploading 0/${formatBytes(bytes.length)}`);
    await client.put(upload, bytes, (sent) => progress.update(label, `${bar(sent / bytes.length)} uploading ${formatBytes(sent)}/${formatBytes(bytes.length)}`, { important: sent === bytes.length }));
    let doc = await client.complete(document.id);
    if (doc.status !== "failed") {
      const startedAt = Date.now();
      let total: number | null = null;
      const done = new Set<number>();
      doc = await client.follow(document.id, (event) => {
        if (event.type === "snapshot") {
          total = event.document.pageCount;
          for (const p of event.pages) if (p.status === "done" || p.status === "failed") done.add(p.pageNumber);
        } else if (event.type === "status") total = event.document.pageCount;
        else if (event.type === "page" && (event.page.status === "done" || event.page.status === "failed")) done.add(event.page.pageNumber);
        if (event.type === "run") return;
        const waiting = event.type === "page" ? null : event.document.waiting;
        if (waiting) progress.update(label, waiting.message, { important: true });
        else progress.update(label, pageProgress(done.size, total, startedAt), { important: event.type !== "page" || event.page.status !== "processing" });
      });
    }
    if (doc.status !== "done") {
      const reason = doc.error?.message ?? `the document ended ${doc.status}`;
      progress.update(label, `failed: ${reason}`, { important: true });
      return { file, ok: false, message: reason };
    }
    const body = await client.exportDocument(document.id, opts.format);
    let name = label.replace(/\.(pdf|png|jpe?g|webp|tiff?)$/i, "") || "document";
    while (outNames.has(name)) name += "_";
    outNames.add(name);
    const output = path.join(opts.out, name + (EXTENSIONS[opts.format] ?? `.${opts.format}`));
    await writeFile(output, body);
    const model = doc.model ? ` (model: ${doc.model.name}${doc.model.kind ? `, ${doc.model.kind}` : ""})` : "";
    progress.update(label, `done: ${doc.pagesDone} pages${doc.pagesFailed ? `, ${doc.pagesFailed} failed` : ""} -> ${output}${model}`, { important: true });
    return { file, ok: true, message: "done", output };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    progress.update(label, `failed: ${message}`, { important: true });
    return { file, ok: false, message };
  }
}

export async function main(argv: string[], io = { out: process.stdout, err: process.stderr }): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        url: { type: "string" },
        key: { type: "string" },
        format: { type: "string" },
        out: { type: "string" },
        pages: { type: "string" },
        model: { type: "string" },
        concurrency: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    io.err.write(`${error instanceof Error ? error.message : String(error)}\n\n${HELP}`);
    return 2;
  }
  const [command, ...inputs] = parsed.positionals;
  if (parsed.values.help || !command) {
    (parsed.values.help ? io.out : io.err).write(HELP);
    return parsed.values.help ? 0 : 2;
  }
  if (command !== "process") {
    io.err.write(`Unknown command "${command}".\n\n${HELP}`);
    return 2;
  }
  const { help: _help, ...values } = parsed.values;
  const options = optionsSchema.safeParse(Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)));
  if (!options.success) {
    io.err.write(`${z.prettifyError(options.error)}\n\nSee npx pagewise --help\n`);
    return 2;
  }
  const opts = options.data;
  let files: string[];
  try {
    if (!inputs.length) throw new UsageError("Name at least one PDF or folder.");
    files = await collectFiles(inputs);
  } catch (error) {
    io.err.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  await mkdir(opts.out, { recursive: true });

  const client = createClient({ url: opts.url, key: opts.key });
  const progress = createProgress(io.err);
  const outNames = new Set<string>();
  const results: Result[] = [];
  const queue = [...files];
  await Promise.all(
    Array.from({ length: Math.min(opts.concurrency, files.length) }, async () => {
      for (let file = queue.shift(); file; file = queue.shift()) results.push(await processFile(client, file, opts, progress, outNames));
    }),
  );

  const failed = results.filter((r) => !r.ok);
  for (const r of results.filter((r) => r.ok)) io.out.write(`${r.output}\n`);
  for (const r of failed) io.err.write(`error: ${path.basename(r.file)}: ${r.message}\n`);
  io.err.write(`${results.length - failed.length} of ${results.length} documents done.\n`);
  return failed.length ? 1 : 0;
}

export { ServerError };
