#!/usr/bin/python3
"""Checks generated pages against their labels: prints, per seed, the ink pixels outside every box and
ignore region (must be 0) and the ink pixels inside each box (each must be > 0), for the clean page.

  /usr/bin/python3 training/inkcheck.py SEED [SEED ...] [--width 512]
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate  # noqa: E402

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("seeds", type=int, nargs="+")
    ap.add_argument("--width", type=int, default=512)
    a = ap.parse_args()
    rows = []
    for seed in a.seeds:
        img, boxes, ignore = generate.render_page(seed, a.width, scan=False)
        ink = (np.asarray(img) < generate.INK).any(axis=2)
        covered = np.zeros_like(ink)
        inside = []
        for label, (x0, y0, x1, y1) in boxes:
            covered[int(y0):int(y1), int(x0):int(x1)] = True
            inside.append({"label": generate.LABELS[label - 1], "ink": int(ink[int(y0):int(y1), int(x0):int(x1)].sum()),
                           "edges": [int(ink[int(y0), int(x0):int(x1)].sum()), int(ink[int(y1) - 1, int(x0):int(x1)].sum()),
                                     int(ink[int(y0):int(y1), int(x0)].sum()), int(ink[int(y0):int(y1), int(x1) - 1].sum())]})
        for x0, y0, x1, y1 in ignore:
            covered[int(y0):int(y1), int(x0):int(x1)] = True
        rows.append({"seed": seed, "size": [img.width, img.height], "inkPixels": int(ink.sum()), "outside": int((ink & ~covered).sum()), "boxes": inside})
    print(json.dumps(rows))
