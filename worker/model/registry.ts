import type { ModelManifest } from "./manifest";

export type PublicModel = {
  /** Hub repository and pinned revision, so a pull always gets the same bytes. */
  repo: string;
  revision: string;
  file: string;
  /** Expected sha256 when known here; otherwise the hub's own LFS hash (X-Linked-Etag) is required and checked. */
  sha256?: string;
  manifest: Omit<ModelManifest, "sha256" | "file">;
};

const PUBLAYNET_LABELS = ["Text", "Title", "List", "Table", "Figure"];

/** Public models `npm run model:pull -- <name>` knows. */
export const publicModels: Record<string, PublicModel> = {
  publaynet: {
    repo: "unstructuredio/detectron2_faster_rcnn_R_50_FPN_3x",
    revision: "4e61f368f22f733538e49a27234f32b6d41e7209",
    file: "model.onnx",
    manifest: {
      id: "publaynet-faster-rcnn-r50-fpn",
      name: "PubLayNet Faster R-CNN R50-FPN (Detectron2, Unstructured export)",
      version: "4e61f36",
      kind: "trained",
      labels: PUBLAYNET_LABELS,
      // Unstructured runs this export at 0.8.
      scoreThreshold: 0.8,
      inputFormat: "BGR",
      // Exported with Detectron2's export_model.py: a static [3, 1035, 800] input.
      resize: { type: "fixed", width: 800, height: 1035 },
      source: "https://huggingface.co/unstructuredio/detectron2_faster_rcnn_R_50_FPN_3x",
    },
  },
};
