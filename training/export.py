#!/usr/bin/python3
"""Exports a checkpoint to ONNX in the worker's Detectron2 contract, with its model.json.

  /usr/bin/python3 training/export.py --checkpoint training/runs/cpu60/last.pt --out training/runs/cpu60/export \
      [--id pagewise-synthetic-frcnn-mnv3] [--metrics metrics.json]

The graph takes one float32 [3,H,W] BGR image with raw 0..255 values (no batch dimension) and returns, by
position: boxes float32 [N,4] (x1,y1,x2,y2 in input pixels), classes int64 [N] (0 = Text ... 4 = Figure),
scores float32 [N], image_size int64 [2] (the input's H, W). Channel swap, scaling to 0..1 and torchvision's
normalisation happen inside the graph. model.json's resize policy is the training scale, so the worker
feeds pages at the size the model saw. --metrics (evaluate.py's --out files, one or more) are copied into
model.json, so the folder says how well it does and on what.
"""
import argparse
import hashlib
import json
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate import LABELS  # noqa: E402
from model import load_checkpoint  # noqa: E402


class DetectronContract(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, image):
        x = image.flip(0) / 255.0  # BGR -> RGB, 0..1
        out = self.model([x])[0]
        size = torch._shape_as_tensor(image)[1:3].to(torch.int64)
        return out["boxes"], out["labels"].to(torch.int64) - 1, out["scores"], size


def export(checkpoint, out_dir, model_id, metrics_files=(), score_threshold=0.5, manifest_only=False):
    model, ck = load_checkpoint(checkpoint)
    cfg = ck["config"]
    os.makedirs(out_dir, exist_ok=True)
    onnx_path = os.path.join(out_dir, "model.onnx")
    wrapped = DetectronContract(model).eval()
    h = int(cfg["min_size"] * 11 / 8.5)
    example = torch.full((3, h, cfg["min_size"]), 255.0)
    example[:, h // 4 : h // 2, cfg["min_size"] // 8 : cfg["min_size"] // 2] = 0.0
    if not manifest_only or not os.path.exists(onnx_path):
        with torch.no_grad():
            torch.onnx.export(wrapped, (example,), onnx_path, opset_version=11, input_names=["image"],
                              output_names=["boxes", "classes", "scores", "image_size"],
                              dynamic_axes={"image": {1: "H", 2: "W"}, "boxes": {0: "N"}, "classes": {0: "N"}, "scores": {0: "N"}})
    state = ck.get("state", {})
    metrics = {}
    for f in metrics_files:
        with open(f) as fh:
            m = json.load(fh)
        metrics[os.path.basename(os.path.normpath(m["data"]))] = {
            k: {"mAP": v["mAP"], "mAP50": v["mAP50"], "AP": {c: r["AP"] for c, r in v["classes"].items()}} for k, v in m["results"].items()}
    with open(onnx_path, "rb") as fh:
        sha = hashlib.sha256(fh.read()).hexdigest()
    manifest = {
        "id": model_id,
        "name": f"Pagewise synthetic-page detector (Faster R-CNN {cfg['arch']} FPN, trained from scratch on generated pages; not a PubLayNet model)",
        "version": "1",
        "kind": "trained",
        "file": "model.onnx",
        "labels": LABELS,
        "scoreThreshold": score_threshold,
        "inputFormat": "BGR",
        "resize": {"type": "shortest-edge", "shortestEdge": cfg["min_size"], "maxSize": cfg["max_size"]},
        "sha256": sha,
        "source": (f"Our own model: torchvision Faster R-CNN, {cfg['arch']} FPN backbone, no pretrained weights, trained by "
                   f"training/train.py on synthetic pages from training/generate.py ({state.get('iter', '?')} iterations, "
                   f"{state.get('images', '?')} pages, {round(state.get('seconds', 0) / 60, 1)} min). "
                   + (f"mAP (COCO .50:.95) per evaluation set: {json.dumps(metrics)}" if metrics else "Not evaluated yet (training/evaluate.py).")),
    }
    with open(os.path.join(out_dir, "model.json"), "w") as fh:
        json.dump(manifest, fh, indent=2)
        fh.write("\n")
    return onnx_path, manifest


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--id", default="pagewise-synthetic-frcnn")
    ap.add_argument("--metrics", nargs="*", default=[])
    ap.add_argument("--score-threshold", type=float, default=0.5)
    ap.add_argument("--manifest-only", action="store_true", help="keep the exported model.onnx, rewrite model.json (e.g. to add --metrics)")
    a = ap.parse_args()
    torch.set_num_threads(1)
    path, m = export(a.checkpoint, a.out, a.id, a.metrics, a.score_threshold, a.manifest_only)
    print(f"{path}: {os.path.getsize(path) / 2**20:.1f} MiB, {m['id']}")
