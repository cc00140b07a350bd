import type { ModelManifest } from "./manifest";

export type ResizePolicy = ModelManifest["resize"];

/** A graph with a static input size wins over the manifest: every page must be fed at exactly that size. */
export function renderPolicy(model: {
  manifest: ModelManifest;
  contract: { staticInput?: { width: number; height: number } | null };
}): ResizePolicy {
  const fixed = model.contract.staticInput;
  return fixed ? { type: "fixed", width: fixed.width, height: fixed.height } : model.manifest.resize;
}
