#!/usr/bin/python3
"""COCO-style mAP per class for model folders on a labelled page set (synthetic held-out or real pages).

  /usr/bin/python3 training/evaluate.py --data DIR --models models/baseline training/runs/cpu60/export [--out results.json]

Each model runs through the worker's own code (training/predict.ts under tsx: the same loading, contract
check, resizing and decoding as in production) with no score threshold, on the same images; the boxes are
then scored here, as pycocotools does for bbox: IoU thresholds .50:.05:.95, up to 100 detections per page
by score, greedy matching per class, 101-point interpolated precision, a class without ground truth left
out of the mean. Detections lying mostly (>= 50 % of their area) inside a page's `ignore` regions
(running headers, footers, page numbers: unlabelled, as in PubLayNet) are dropped before matching.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np
from PIL import Image

LABELS = ["Text", "Title", "List", "Table", "Figure"]
IOUS = np.linspace(0.5, 0.95, 10)
RECALLS = np.linspace(0, 1, 101)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def xyxy(b):
    return [b[0], b[1], b[0] + b[2], b[1] + b[3]]


def iou_matrix(d, g):
    if len(d) == 0 or len(g) == 0:
        return np.zeros((len(d), len(g)))
    d, g = np.asarray(d, float)[:, None, :], np.asarray(g, float)[None, :, :]
    iw = np.clip(np.minimum(d[..., 2], g[..., 2]) - np.maximum(d[..., 0], g[..., 0]), 0, None)
    ih = np.clip(np.minimum(d[..., 3], g[..., 3]) - np.maximum(d[..., 1], g[..., 1]), 0, None)
    inter = iw * ih
    area = lambda b: (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    return inter / np.maximum(area(d) + area(g) - inter, 1e-9)


def inside_ignore(box, regions):
    area = max((box[2] - box[0]) * (box[3] - box[1]), 1e-9)
    for r in regions:
        iw = max(0.0, min(box[2], r[2]) - max(box[0], r[0]))
        ih = max(0.0, min(box[3], r[3]) - max(box[1], r[1]))
        if iw * ih / area >= 0.5:
            return True
    return False


def coco_map(coco, detections):
    """Returns {label: {"AP": .., "AP50": .., "gt": n}} and the means over classes with ground truth."""
    ignore = {im["id"]: im.get("ignore", []) for im in coco["images"]}
    gts = {}
    for a in coco["annotations"]:
        gts.setdefault((a["image_id"], a["category_id"]), []).append(xyxy(a["bbox"]))
    by_image = {}
    for d in detections:
        by_image.setdefault(d["image_id"], []).append(d)
    dets = {}
    for img, ds in by_image.items():
        ds = sorted(ds, key=lambda d: -d["score"])[:100]
        for d in ds:
            box = xyxy(d["bbox"])
            if not inside_ignore(box, ignore.get(img, [])):
                dets.setdefault((img, d["category_id"]), []).append((d["score"], box))
    per_class = {}
    for c, label in enumerate(LABELS, start=1):
        n_gt = sum(len(v) for (i, k), v in gts.items() if k == c)
        if n_gt == 0:
            per_class[label] = {"AP": None, "AP50": None, "gt": 0}
            continue
        scores, tps = [], []  # tps: [n_det, n_iou]
        for im in coco["images"]:
            g = gts.get((im["id"], c), [])
            ds = dets.get((im["id"], c), [])
            if not ds:
                continue
            ious = iou_matrix([b for _, b in ds], g)
            for t_i, t in enumerate(IOUS):
                taken = np.zeros(len(g), bool)
                col = []
                for k in range(len(ds)):
                    best, bj = t, -1
                    for j in range(len(g)):
                        if not taken[j] and ious[k, j] >= best:
                            best, bj = ious[k, j], j
                    if bj >= 0:
                        taken[bj] = True
                    col.append(bj >= 0)
                if t_i == 0:
                    start = len(tps)
                    tps.extend([[False] * len(IOUS) for _ in ds])
                    scores.extend(s for s, _ in ds)
                for k, hit in enumerate(col):
                    tps[start + k][t_i] = hit
        aps = []
        if scores:
            order = np.argsort(-np.asarray(scores), kind="mergesort")
            tp = np.asarray(tps, float)[order]
            for t_i in range(len(IOUS)):
                ctp = np.cumsum(tp[:, t_i])
                cfp = np.cumsum(1 - tp[:, t_i])
                rec = ctp / n_gt
                prec = ctp / np.maximum(ctp + cfp, 1e-9)
                prec = np.maximum.accumulate(prec[::-1])[::-1]  # precision envelope
                idx = np.searchsorted(rec, RECALLS, side="left")
                q = np.array([prec[i] if i < len(prec) else 0.0 for i in idx])
                aps.append(q.mean())
        else:
            aps = [0.0] * len(IOUS)
        per_class[label] = {"AP": float(np.mean(aps)), "AP50": float(aps[0]), "gt": n_gt}
    present = [v for v in per_class.values() if v["AP"] is not None]
    return {"classes": per_class, "mAP": float(np.mean([v["AP"] for v in present])), "mAP50": float(np.mean([v["AP50"] for v in present]))}


def ensure_ppm(data):
    with open(os.path.join(data, "annotations.json")) as fh:
        coco = json.load(fh)
    for im in coco["images"]:
        png = os.path.join(data, "images", im["file_name"])
        ppm = os.path.splitext(png)[0] + ".ppm"
        if not os.path.exists(ppm):
            Image.open(png).convert("RGB").save(ppm)
    return coco


def predict(model_dir, data, out):
    tsx = os.path.join(ROOT, "node_modules", ".bin", "tsx")
    subprocess.run([tsx, os.path.join(ROOT, "training", "predict.ts"), "--model", model_dir, "--data", data, "--out", out, "--threshold", "0"], check=True)
    with open(out) as fh:
        return json.load(fh)


def table(results):
    names = list(results)
    head = "| class | " + " | ".join(f"{n} AP | {n} AP50" for n in names) + " |"
    rows = [head, "|" + "---|" * (1 + 2 * len(names))]
    fmt = lambda v: "n/a" if v is None else f"{100 * v:.1f}"
    for label in LABELS + ["mean"]:
        cells = []
        for n in names:
            r = results[n]
            if label == "mean":
                cells += [fmt(r["mAP"]), fmt(r["mAP50"])]
            else:
                cells += [fmt(r["classes"][label]["AP"]), fmt(r["classes"][label]["AP50"])]
        gt = "" if label == "mean" else f" ({results[names[0]]['classes'][label]['gt']})"
        rows.append(f"| {label}{gt} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--models", nargs="+", required=True)
    ap.add_argument("--out")
    ap.add_argument("--reuse", action="store_true", help="reuse DIR/preds-<model folder>.json when newer than the model's .onnx")
    a = ap.parse_args()
    coco = ensure_ppm(a.data)
    results = {}
    for m in a.models:
        cached = os.path.join(a.data, f"preds-{os.path.basename(os.path.normpath(m))}.json")
        onnx = [os.path.join(m, f) for f in os.listdir(m) if f.endswith(".onnx")]
        if a.reuse and os.path.exists(cached) and all(os.path.getmtime(cached) > os.path.getmtime(f) for f in onnx):
            with open(cached) as fh:
                preds = json.load(fh)
        else:
            preds = predict(m, a.data, cached)
        r = coco_map(coco, preds["detections"])
        r["model"] = preds["model"]
        r["msPerPage"] = preds["inferMs"] / max(1, preds["pages"])
        results[preds["model"]["id"]] = r
    print(f"{len(coco['images'])} pages, {len(coco['annotations'])} boxes ({a.data})")
    print(table(results))
    if a.out:
        with open(a.out, "w") as fh:
            json.dump({"data": a.data, "pages": len(coco["images"]), "results": results}, fh, indent=1)
    sys.exit(0)
