import { z } from "zod";
import type { InstallResult } from "./install";

const addArgsSchema = z
  .object({
    source: z.string().min(1),
    labels: z
      .string()
      .transform((s) => s.split(",").map((l) => l.trim()))
      .pipe(z.array(z.string().min(1, "--labels: empty name (two commas, or a trailing one?)")).min(1))
      .optional(),
    labelsFile: z.string().min(1).optional(),
    id: z.string().min(1).optional(),
    name: z.string().min(1).optional(),
    kind: z.enum(["trained", "untrained"]).optional(),
    modelsDir: z.string().min(1).optional(),
  })
  .refine((a) => !(a.labels && a.labelsFile), "give --labels or --labels-file, not both");

export type AddArgs = z.infer<typeof addArgsSchema>;

/** model:add's command line (from node:util parseArgs) to checked options; throws with a readable message. */
export function parseAddArgs(values: Record<string, string | boolean | undefined>, positionals: string[]): AddArgs {
  if (positionals.length !== 1) throw new Error(`expected one .onnx file or model folder, got ${positionals.length}`);
  const parsed = addArgsSchema.safeParse({
    source: positionals[0],
    labels: values.labels,
    labelsFile: values["labels-file"],
    id: values.id,
    name: values.name,
    kind: values.kind,
    modelsDir: values["models-dir"],
  });
  if (!parsed.success) throw new Error(z.prettifyError(parsed.error));
  return parsed.data;
}

/** What model:add prints about an installed model. */
export function formatReport(r: InstallResult): string {
  const c = r.probe.contract;
  const p = r.probe;
  const mib = (n: number | null) => (n === null ? "n/a" : `${n} MiB`);
  return [
    `installed ${r.manifest.id} (${r.manifest.name}, ${r.manifest.kind}) -> ${r.dir}`,
    `  input      \`${c.inputName}\`, ${c.staticInput ? `fixed size ${c.staticInput.width}x${c.staticInput.height} (every page is stretched to it)` : "dynamic size"}; a letter page was fed at ${p.inputSize.width}x${p.inputSize.height}`,
    `  outputs    ${c.summary.replace(/^input .*?; outputs /, "")}`,
    `  masks      ${c.masks === null ? "no" : "yes (Mask R-CNN)"}`,
    `  classes    ${r.classes.classes ?? "not knowable from the graph"} (${r.classes.evidence}); labels ${r.manifest.labels.join(", ")}`,
    `  run        ${p.detections.layout} detections on a generated page, ${p.detections.blank} on a blank page`,
    `  speed      ${p.msPerPage} ms/page (first run ${p.firstMs} ms)`,
    `  memory     peak ${mib(p.peakMib)} (VmHWM of this process, renderer included; ${mib(p.rssBeforeMib)} before the model was loaded)`,
    `  sha256     ${r.sha256}`,
  ].join("\n");
}
