import { connection } from "next/server";
import { DropZone } from "@/components/upload/drop-zone";
import { env } from "@/lib/env";
import { db } from "@/lib/server/context";
import { listModels } from "@/lib/server/models";

export default async function HomePage() {
  await connection(); // the upload limit is runtime configuration
  const maxBytes = env().MAX_UPLOAD_MB * 1024 * 1024;
  // Uploading needs no picker: with the database out of reach the page still renders, and uploads get the default.
  const models = await listModels({ db: db(), env: env() }, false).then((r) => r.models, () => []);
  return (
    <div className="space-y-8">
      <div className="space-y-2">
        <h1 className="text-2xl font-semibold tracking-tight">Find the layout of your PDFs</h1>
        <p className="max-w-2xl text-ink-muted">
          Upload PDFs or scanned images and Pagewise detects the text blocks, titles, lists, tables and figures on every page. Each page
          appears as soon as it is processed.
        </p>
      </div>
      <DropZone maxBytes={maxBytes} models={models} />
    </div>
  );
}
