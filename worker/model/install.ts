import { randomBytes } from "node:crypto";
import { copyFile, link, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { AppError } from "../../lib/errors";
import type { Renderer } from "../render/renderer";
import { classCount, type ClassCount } from "./class-count";
import { modelManifestSchema, readModelFolder, type ModelManifest } from "./manifest";
import { OnnxParseError, readOnnxGraph } from "./onnx-reader";
import { probeModel, type ProbeReport } from "./probe";
import { fileSha256 } from "./session";

export type InstallRequest = {
  /** A .onnx file, or a folder holding one (and possibly a model.json, e.g. from tools/detectron2/export.py). */
  source: string;
  labels?: string[];
  id?: string;
  name?: string;
  kind?: "trained" | "untrained";
  modelsDir: string;
};

export type InstallResult = { dir: string; manifest: ModelManifest; probe: ProbeReport; classes: ClassCount; sha256: string };

const refuse = (message: string): never => {
  throw new AppError("model_refused", message, `Refused: ${message}`);
};

const partialManifestSchema = modelManifestSchema.partial();

/** Label names from a file: a JSON array of strings, or one name per line (blank lines ignored). */
export function parseLabelsFile(text: string, file: string): string[] {
  const trimmed = text.trim();
  if (trimmed.startsWith("[")) {
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch (error) {
      return refuse(`labels file ${file} starts like JSON but does not parse: ${error instanceof Error ? error.message : String(error)}`);
    }
    const parsed = z.array(z.string().trim().min(1)).min(1).safeParse(json);
    return parsed.success ? parsed.data : refuse(`labels file ${file} must be a JSON array of non-empty names`);
  }
  const names = trimmed.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  return names.length ? names : refuse(`labels file ${file} holds no names`);
}

/** The .onnx file and any manifest a source names. */
async function resolveSource(source: string): Promise<{ onnxPath: string; given: Partial<ModelManifest>; defaultId: string }> {
  const info = await stat(source).catch(() => refuse(`${source} does not exist`));
  if (!info.isDirectory()) return { onnxPath: path.resolve(source), given: {}, defaultId: slug(source) };
  const defaultId = slug(path.resolve(source));
  const manifestPath = path.join(source, "model.json");
  const raw = await readFile(manifestPath, "utf8").catch(() => null);
  if (raw !== null) {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (error) {
      return refuse(`${manifestPath} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    const parsed = partialManifestSchema.safeParse(json);
    if (!parsed.success) refuse(`invalid ${manifestPath}: ${z.prettifyError(parsed.error!)}`);
    // Only the keys the file sets, so the schema's defaults do not pass for the user's choices.
    const given = Object.fromEntries(Object.keys(json as object).filter((k) => k in parsed.data!).map((k) => [k, parsed.data![k as keyof ModelManifest]]));
    return { onnxPath: path.resolve(source, parsed.data!.file ?? "model.onnx"), given: given as Partial<ModelManifest>, defaultId };
  }
  const onnx = (await readdir(source)).filter((f) => f.endsWith(".onnx"));
  if (onnx.length !== 1) refuse(`${source} holds ${onnx.length} .onnx files and no model.json: name the file, or add a model.json saying which`);
  return { onnxPath: path.resolve(source, onnx[0]!), given: {}, defaultId };
}

const slug = (file: string) =>
  path
    .basename(file, ".onnx")
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[^a-z0-9]+/, "")
    .slice(0, 64);

/** In its own scope, so the file's bytes are garbage before the model is loaded and measured. */
async function graphClassCount(onnxPath: string): Promise<ClassCount> {
  try {
    return classCount(readOnnxGraph(await readFile(onnxPath)));
  } catch (error) {
    if (error instanceof OnnxParseError) return refuse(`${onnxPath} is not an ONNX model (${error.message})`);
    throw error;
  }
}

/** Hard link when on the same filesystem (a 165 MB graph is not copied), else a copy. */
async function placeFile(from: string, to: string) {
  try {
    await link(from, to);
  } catch {
    await copyFile(from, to);
  }
}

/**
 * `model:add`: checks a graph against the Detectron2 contract, runs it on a generated page and a blank
 * one, checks its labels against the classes its box predictor can emit (when that is knowable), and
 * installs it as `<modelsDir>/<id>/` (model.onnx + model.json with its sha256). The folder is built
 * under a temporary name and renamed at the end: it is there complete, or not at all.
 */
export async function installModel(req: InstallRequest, renderer: Renderer): Promise<InstallResult> {
  const { onnxPath, given, defaultId } = await resolveSource(req.source);
  await stat(onnxPath).catch(() => refuse(`${onnxPath} does not exist`));
  const id = req.id ?? given.id ?? defaultId;
  if (!modelManifestSchema.shape.id.safeParse(id).success) refuse(`model id \`${id}\` must be 1-64 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit (give --id)`);
  const dir = path.join(req.modelsDir, id);
  if (await stat(dir).then(() => true, () => false)) refuse(`a model with id \`${id}\` is already installed at ${dir}: choose another --id, or remove that folder first`);
  const labels = req.labels ?? given.labels;

  const draft = modelManifestSchema.safeParse({
    ...given,
    id,
    name: req.name ?? given.name ?? id,
    kind: req.kind ?? given.kind ?? "trained",
    file: "model.onnx",
    labels: labels ?? ["?"],
    sha256: undefined,
  });
  if (!draft.success) refuse(`invalid model settings: ${z.prettifyError(draft.error!)}`);

  // The graph itself first: not a model, or not the contract, is refused before anything else.
  const classes = await graphClassCount(onnxPath);
  if (!labels) {
    refuse(
      classes.classes !== null
        ? `no labels: the graph emits ${classes.classes} classes (${classes.evidence}); give --labels with ${classes.classes} names, or --labels-file`
        : "no labels: give --labels a,b,c or --labels-file (the class count could not be read from the graph)",
    );
  }
  if (classes.classes !== null && labels!.length !== classes.classes) {
    refuse(`${labels!.length} labels given (${labels!.join(", ")}), but the graph emits ${classes.classes} classes (${classes.evidence})`);
  }
  const sha256 = await fileSha256(onnxPath);
  if (given.sha256 && given.sha256 !== sha256) refuse(`${onnxPath} has sha256 ${sha256}, but its model.json says ${given.sha256}: the file changed since it was exported`);

  const probe = await probeModel({ onnxPath, manifest: { ...draft.data!, sha256 }, renderer });
  const manifest: ModelManifest = {
    ...draft.data!,
    labels: labels!,
    sha256,
    ...(probe.contract.staticInput ? { resize: { type: "fixed", ...probe.contract.staticInput } } : {}),
    source: given.source ?? `model:add ${path.basename(onnxPath)}`,
  };

  await mkdir(req.modelsDir, { recursive: true });
  const partial = path.join(req.modelsDir, `.${id}.partial-${randomBytes(4).toString("hex")}`);
  try {
    await mkdir(partial);
    await placeFile(onnxPath, path.join(partial, "model.onnx"));
    await writeFile(path.join(partial, "model.json"), JSON.stringify(manifest, null, 2) + "\n");
    await readModelFolder(partial);
    try {
      await rename(partial, dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOTEMPTY" || code === "EEXIST") refuse(`a model with id \`${id}\` was installed at ${dir} meanwhile`);
      throw error;
    }
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
  return { dir, manifest, probe, classes, sha256 };
}
