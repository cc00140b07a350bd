import type { Db } from "../../db/client";
import { liveWorkers } from "../../db/workers";
import type { InstalledModelDto } from "../api-types";
import type { Env } from "../env";
import { kindLabel } from "../models/catalogue";
import { installedModels } from "../models/installed";

/** The installed models with the live workers serving each (`withWorkers`: name them, else only say whether any does). */
export async function listModels(deps: { db: Db; env: Env }, withWorkers: boolean): Promise<{ models: InstalledModelDto[]; defaultModel: string | null }> {
  const [catalogue, workers] = await Promise.all([installedModels(deps.env), liveWorkers(deps.db, deps.env.WORKER_DEAD_AFTER_MS)]);
  return {
    defaultModel: catalogue.defaultId,
    models: catalogue.models.map(({ manifest }) => {
      const serving = workers.filter((w) => w.models.includes(manifest.id));
      return {
        id: manifest.id,
        name: manifest.name,
        version: manifest.version,
        kind: manifest.kind,
        kindLabel: kindLabel(manifest.kind),
        labels: manifest.labels,
        default: manifest.id === catalogue.defaultId,
        served: serving.length > 0,
        workers: withWorkers ? serving.map((w) => ({ hostname: w.hostname, pid: w.pid, lastSeen: w.lastSeen.toISOString() })) : [],
      };
    }),
  };
}
