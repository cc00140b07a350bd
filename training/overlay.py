#!/usr/bin/python3
"""Side-by-side overlays of two models' detections on labelled pages (after evaluate.py wrote DIR/preds-*.json).

  /usr/bin/python3 training/overlay.py --data training/data/real --preds preds-baseline.json preds-export.json \
      --pages 3 --out training/artefacts [--threshold 0.5]

Each picture: ground truth | first model | second model, boxes coloured by class (Text blue, Title red, List green,
Table orange, Figure magenta), detections below --threshold left out. Saved as JPEG at 400 px per panel.
"""
import argparse
import json
import os

from PIL import Image, ImageDraw

COLORS = {1: (30, 90, 220), 2: (220, 30, 30), 3: (20, 160, 40), 4: (240, 140, 0), 5: (200, 0, 200)}


def panel(img, boxes, title):
    p = img.convert("RGB").copy()
    d = ImageDraw.Draw(p)
    for cat, (x, y, w, h) in boxes:
        d.rectangle([x, y, x + w, y + h], outline=COLORS[cat], width=3)
    p = p.resize((400, round(400 * p.height / p.width)), Image.BILINEAR)
    ImageDraw.Draw(p).text((6, 4), title, fill=(0, 0, 0))
    return p


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--preds", nargs=2, required=True)
    ap.add_argument("--pages", type=int, default=3)
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    with open(os.path.join(a.data, "annotations.json")) as fh:
        coco = json.load(fh)
    preds = []
    for f in a.preds:
        with open(os.path.join(a.data, f)) as fh:
            preds.append(json.load(fh))
    os.makedirs(a.out, exist_ok=True)
    images = coco["images"]
    picks = [images[round(k * (len(images) - 1) / max(1, a.pages - 1))] for k in range(a.pages)]
    for im in picks:
        page = Image.open(os.path.join(a.data, "images", im["file_name"]))
        gt = [(x["category_id"], x["bbox"]) for x in coco["annotations"] if x["image_id"] == im["id"]]
        panels = [panel(page, gt, "ground truth (from the PDF)")]
        for p in preds:
            ds = [(d["category_id"], d["bbox"]) for d in p["detections"] if d["image_id"] == im["id"] and d["score"] >= a.threshold]
            panels.append(panel(page, ds, p["model"]["id"]))
        out = Image.new("RGB", (sum(p.width for p in panels) + 8 * (len(panels) - 1), max(p.height for p in panels)), "white")
        x = 0
        for p in panels:
            out.paste(p, (x, 0))
            x += p.width + 8
        name = os.path.join(a.out, os.path.splitext(im["file_name"])[0] + ".jpg")
        out.save(name, quality=70)
        print(name, os.path.getsize(name) // 1024, "KB")
