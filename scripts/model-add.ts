/**
 * `npm run model:add -- <file.onnx | folder> [--labels a,b,c | --labels-file f] [--id id] [--name "..."] [--kind trained|untrained]`:
 * checks a Detectron2 ONNX export, runs it on a generated page and installs it as models/<id>/.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { isAppError } from "../lib/errors";
import { installedHint } from "../lib/models/routing";
import { createRenderer } from "../worker/render/renderer";
import { installModel, parseLabelsFile } from "../worker/model/install";
import { formatReport, parseAddArgs } from "../worker/model/add-args";

const USAGE = "usage: npm run model:add -- <file.onnx | folder> [--labels a,b,c | --labels-file file] [--id id] [--name name] [--kind trained|untrained] [--models-dir dir (default: models)]";

let args;
try {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: { labels: { type: "string" }, "labels-file": { type: "string" }, id: { type: "string" }, name: { type: "string" }, kind: { type: "string" }, "models-dir": { type: "string" } },
  });
  args = parseAddArgs(values, positionals);
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  process.exit(2);
}

const renderer = createRenderer({ timeoutMs: 60_000, maxPixels: 8_000_000 });
try {
  const labels = args.labelsFile ? parseLabelsFile(await readFile(args.labelsFile, "utf8"), args.labelsFile) : args.labels;
  const modelsDir = args.modelsDir ?? path.resolve(import.meta.dirname, "..", "models");
  const result = await installModel({ source: args.source, labels, id: args.id, name: args.name, kind: args.kind, modelsDir }, renderer);
  console.log(formatReport(result));
  console.log(installedHint(result.manifest.id, path.relative(process.cwd(), result.dir) || "."));
} catch (error) {
  console.error(`model:add failed: ${isAppError(error) ? error.userMessage : error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await renderer.close();
}
