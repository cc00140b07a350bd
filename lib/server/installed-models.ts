import { readdir } from "node:fs/promises";
import path from "node:path";
import { readModelFolder } from "../../worker/model/manifest";
import type { InstalledModelDto } from "../api-types";

/**
 * The model folders this installation has: every folder with a valid model.json under models/ and beside
 * MODEL_DIR (its parent folder), first found wins per id. A folder that does not parse is left out.
 */
export async function installedModels(modelDir: string): Promise<InstalledModelDto[]> {
  const roots = [...new Set([path.resolve("models"), path.resolve(path.dirname(modelDir))])];
  const found = new Map<string, InstalledModelDto>();
  for (const root of roots) {
    const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
    for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
      const folder = await readModelFolder(path.join(root, entry.name)).catch(() => null);
      if (!folder || found.has(folder.manifest.id)) continue;
      const m = folder.manifest;
      found.set(m.id, { id: m.id, name: m.name, version: m.version, kind: m.kind, labels: m.labels });
    }
  }
  return [...found.values()];
}
