import type { ModelFolder } from "../../worker/model/manifest";
import type { Env } from "../env";
import { AppError } from "../errors";
import { createLogger } from "../logger";
import { catalogueSettings, installedList, readCatalogue, type Catalogue } from "./catalogue";

/** How long the web keeps a read catalogue: a model copied into models/ shows up within this. */
const CATALOGUE_TTL_MS = 5_000;

const cache = new Map<string, { at: number; catalogue: Promise<Catalogue> }>();
const reported = new Set<string>();

/** The web process's view of the installed models (re-read every few seconds); each problem is logged once. */
export function installedModels(env: Pick<Env, "MODEL_FOLDERS" | "MODEL_DIR" | "DEFAULT_MODEL">): Promise<Catalogue> {
  const key = JSON.stringify([env.MODEL_FOLDERS, env.MODEL_DIR, env.DEFAULT_MODEL]);
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < CATALOGUE_TTL_MS) return hit.catalogue;
  const catalogue = readCatalogue(catalogueSettings(env)).then((c) => {
    for (const problem of c.problems) {
      if (reported.has(problem)) continue;
      reported.add(problem);
      createLogger("models").warn("model not listed", { problem });
    }
    return c;
  });
  cache.set(key, { at: Date.now(), catalogue });
  catalogue.catch(() => cache.delete(key));
  return catalogue;
}

/** The model an upload asked for (or the default); an id that is not installed is a 400 naming the installed ones. */
export async function chooseModel(env: Pick<Env, "MODEL_FOLDERS" | "MODEL_DIR" | "DEFAULT_MODEL">, requested: string | undefined): Promise<ModelFolder> {
  const catalogue = await installedModels(env);
  const id = requested ?? catalogue.defaultId;
  const model = id ? catalogue.get(id) : undefined;
  if (!model) {
    const installed = installedList(catalogue.models);
    throw requested
      ? new AppError("unknown_model", `model ${requested} not installed`, `Model "${requested}" is not installed. Installed models: ${installed}.`)
      : new AppError("no_model", "no model installed", "No model is installed on this server.");
  }
  return model;
}
