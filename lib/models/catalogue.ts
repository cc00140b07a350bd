import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { readModelFolder, type ModelFolder, type ModelManifest } from "../../worker/model/manifest";

/**
 * The installed models: every model folder the settings name, each with a valid model.json and the ONNX file
 * it names. Pure file reading (zod + fs): the web lists models with it and never loads onnxruntime.
 */
export type Catalogue = {
  /** Valid models, by id; a folder with a problem is not here (never a half-installed model). */
  models: ModelFolder[];
  /** One sentence per folder left out, and per id two folders claim. */
  problems: string[];
  /** The problems that are ids claimed by two folders (also in `problems`): a worker refuses to start on them. */
  duplicates: string[];
  /** DEFAULT_MODEL, else MODEL_DIR's model, else the first by id; null when none is installed. */
  defaultId: string | null;
  get(id: string): ModelFolder | undefined;
};

export type CatalogueSettings = {
  /** Folders that are a model folder (holds model.json) or hold model folders (`models/`). */
  folders: readonly string[];
  /** The single-model setting of older deployments: always installed, and the default when DEFAULT_MODEL is unset. */
  modelDir?: string;
  defaultModel?: string;
};

const exists = (file: string) => stat(file).then((s) => s.isFile() || s.isDirectory(), () => false);

/** Model folders under the settings' folders, resolved, each once. */
async function candidateDirs(settings: CatalogueSettings): Promise<string[]> {
  const dirs = new Set<string>();
  if (settings.modelDir) dirs.add(path.resolve(settings.modelDir));
  for (const folder of settings.folders) {
    const dir = path.resolve(folder);
    if (await exists(path.join(dir, "model.json"))) {
      dirs.add(dir);
      continue;
    }
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => null);
    for (const entry of entries ?? []) if (entry.isDirectory() && !entry.name.startsWith(".")) dirs.add(path.join(dir, entry.name));
  }
  return [...dirs].sort();
}

export async function readCatalogue(settings: CatalogueSettings): Promise<Catalogue> {
  const problems: string[] = [];
  const byId = new Map<string, ModelFolder[]>();
  const named = settings.modelDir ? path.resolve(settings.modelDir) : null;
  for (const dir of await candidateDirs(settings)) {
    // A subfolder without model.json (a scratch folder, a half-copied download) is not a model; a named one is.
    if (!(await exists(path.join(dir, "model.json"))) && dir !== named) continue;
    let folder: ModelFolder;
    try {
      folder = await readModelFolder(dir);
    } catch (error) {
      problems.push(`${dir} is not installed: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    if (!(await exists(folder.onnxPath))) {
      problems.push(`${dir} is not installed: its model.json names ${folder.manifest.file}, which is missing (${folder.onnxPath})`);
      continue;
    }
    byId.set(folder.manifest.id, [...(byId.get(folder.manifest.id) ?? []), folder]);
  }
  const models: ModelFolder[] = [];
  const duplicates: string[] = [];
  for (const [id, folders] of byId) {
    if (folders.length > 1) {
      duplicates.push(`Model id "${id}" is claimed by ${folders.length} folders (${folders.map((f) => f.dir).join(", ")}): none of them is installed until their ids differ`);
    } else models.push(folders[0]!);
  }
  problems.push(...duplicates);
  // By code point: the same order in every locale, and no ICU collation data paged into the worker.
  models.sort((a, b) => (a.manifest.id < b.manifest.id ? -1 : a.manifest.id > b.manifest.id ? 1 : 0));
  const get = (id: string) => models.find((m) => m.manifest.id === id);

  let defaultId: string | null = null;
  if (settings.defaultModel) {
    if (get(settings.defaultModel)) defaultId = settings.defaultModel;
    else problems.push(`DEFAULT_MODEL is "${settings.defaultModel}", which is not installed (installed: ${installedList(models)})`);
  }
  if (!defaultId && named) defaultId = models.find((m) => m.dir === named)?.manifest.id ?? null;
  defaultId ??= models[0]?.manifest.id ?? null;
  return { models, problems, duplicates, defaultId, get };
}

export const installedList = (models: readonly ModelFolder[]) => models.map((m) => m.manifest.id).join(", ") || "none";

/** The catalogue settings of a process's configuration. */
export const catalogueSettings = (env: { MODEL_FOLDERS: string; MODEL_DIR: string; DEFAULT_MODEL?: string }): CatalogueSettings => ({
  folders: splitList(env.MODEL_FOLDERS),
  modelDir: env.MODEL_DIR,
  defaultModel: env.DEFAULT_MODEL,
});

export const splitList = (value: string | undefined) => (value ?? "").split(",").map((s) => s.trim()).filter(Boolean);

/** What a model is, said plainly next to its name: the heuristic baseline and untrained weights are named as such. */
export function kindLabel(kind: ModelManifest["kind"]): string {
  if (kind === "trained") return "trained model";
  if (kind === "heuristic") return "heuristic baseline, not a trained model";
  return "untrained weights: boxes are meaningless";
}
