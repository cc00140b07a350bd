import { installedList, readCatalogue, splitList, catalogueSettings, type Catalogue } from "../../lib/models/catalogue";
import type { Env } from "../../lib/env";
import type { ModelFolder } from "./manifest";

/** A worker asked to serve a model that is not installed, or started with an ambiguous catalogue. */
export class WorkerModelsError extends Error {
  override name = "WorkerModelsError";
}

/**
 * The model folders this worker serves: WORKER_MODELS, else the default model. Refuses (with a sentence naming the
 * model and the installed ones, and why a folder was left out) a model that is not installed, and any id two
 * folders claim: which of the two would answer is not for a worker to guess.
 */
export function workerModels(catalogue: Catalogue, requested: readonly string[]): ModelFolder[] {
  if (catalogue.duplicates.length) throw new WorkerModelsError(`Refusing to start: ${catalogue.duplicates.join("; ")}`);
  const ids = requested.length ? [...new Set(requested)] : catalogue.defaultId ? [catalogue.defaultId] : [];
  if (!ids.length) throw new WorkerModelsError(`No model is installed (${describeProblems(catalogue)}): add one under models/ (npm run model:add) or set MODEL_DIR`);
  return ids.map((id) => {
    const folder = catalogue.get(id);
    if (!folder) {
      throw new WorkerModelsError(
        `WORKER_MODELS names model "${id}", which is not installed; installed: ${installedList(catalogue.models)}${catalogue.problems.length ? ` (left out: ${catalogue.problems.join("; ")})` : ""}`,
      );
    }
    return folder;
  });
}

const describeProblems = (catalogue: Catalogue) => (catalogue.problems.length ? catalogue.problems.join("; ") : "no folder with a model.json");

/** Reads the catalogue of this worker's settings and picks the models it serves. */
export async function readWorkerModels(env: Pick<Env, "MODEL_FOLDERS" | "MODEL_DIR" | "DEFAULT_MODEL" | "WORKER_MODELS">) {
  const catalogue = await readCatalogue(catalogueSettings(env));
  return { catalogue, folders: workerModels(catalogue, splitList(env.WORKER_MODELS)) };
}
