#!/usr/bin/python3
"""Real born-digital pages from PDFs Debian ships, labelled automatically from their structure (evaluation only).

  /usr/bin/python3 training/real_pages.py --out DIR [--pages-per-pdf 6] [--width 800]

Pages are rendered by poppler (pdftoppm) at --width pixels. Labels come from the PDF itself:
- text blocks from `pdftotext -bbox-layout` (poppler's reading-order blocks): Title when the block's
  lines are taller than 1.3x the page's median line (the median over words) and it has at most 3 lines and 20 words, List when it
  starts with a bullet or an enumerator (consecutive list blocks in one column merge into one List,
  as PubLayNet boxes a whole list), else Text;
- Figure from the raster images placed on the page (`pdftohtml -xml`), when larger than 40x40 pt;
- one-line blocks in the top or bottom 7 % of the page (running headers, footers, page numbers) are
  left unlabelled and listed under `ignore`, as the synthetic pages do.
Known gaps, said in training/README.md: vector drawings and tables are not recognised (a table comes out as
Text blocks, a vector figure as nothing), so real-page AP is reported for Text, Title, List and Figure only.
"""
import argparse
import glob
import gzip
import json
import os
import re
import shutil
import subprocess
import tempfile

from PIL import Image

PDFS = [
    "/usr/share/doc/bzip2/manual.pdf.gz",
    "/usr/share/doc/libtasn1-doc/libtasn1.pdf",
    "/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf",
    "/usr/share/doc/fontconfig/fontconfig-user.pdf.gz",
    "/usr/share/doc/nettle-dev/nettle.pdf.gz",
    "/usr/share/doc/zlib1g-dev/crc-doc.1.0.pdf.gz",
    "/usr/share/doc/valgrind/valgrind_manual.pdf.gz",
]
BULLET = re.compile(r"^([•●○◦▪■\-–—*·]|\(?\d{1,2}[.)]|\(?[a-z][.)]|[ivx]{1,4}\.)$")
TEXT, TITLE, LIST, FIGURE = 1, 2, 3, 5


def pages_of(pdf):
    out = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", out).group(1))


def blocks_of(pdf, page):
    """Poppler's blocks, lines and words, read with regular expressions (its XHTML is not always well-formed)."""
    xml = subprocess.run(["pdftotext", "-bbox-layout", "-f", str(page), "-l", str(page), pdf, "-"], capture_output=True, check=True).stdout
    xml = xml.decode("utf-8", "ignore")
    num = r'="([\d.-]+)"'
    box = re.compile(r"xMin" + num + r" yMin" + num + r" xMax" + num + r" yMax" + num)
    pg = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', xml)
    blocks = []
    for bm in re.finditer(r"<block ([^>]*)>(.*?)</block>", xml, re.S):
        lines = []
        for lm in re.finditer(r"<line ([^>]*)>(.*?)</line>", bm.group(2), re.S):
            ws = re.findall(r"<word [^>]*>(.*?)</word>", lm.group(2), re.S)
            lines.append({"box": [float(v) for v in box.search(lm.group(1)).groups()], "words": ws})
        if lines:
            blocks.append({"box": [float(v) for v in box.search(bm.group(1)).groups()], "lines": lines})
    return float(pg.group(1)), float(pg.group(2)), blocks


def images_of(pdf, page, tmp):
    out = subprocess.run(["pdftohtml", "-xml", "-zoom", "1", "-f", str(page), "-l", str(page), "-stdout", pdf, os.path.join(tmp, "img")],
                         capture_output=True, check=True).stdout.decode("utf-8", "ignore")
    boxes = []
    for m in re.finditer(r'<image top="([\d.-]+)" left="([\d.-]+)" width="([\d.]+)" height="([\d.]+)"', out):
        t, l, w, h = map(float, m.groups())
        if w > 40 and h > 40:
            boxes.append([l, t, l + w, t + h])
    return boxes


def label_page(pw, ph, blocks, images):
    # body line height: the median over words, so that a table's or listing's many short lines do not set it
    heights = sorted(ln["box"][3] - ln["box"][1] for b in blocks for ln in b["lines"] for _ in ln["words"])
    body = heights[len(heights) // 2] if heights else 10
    labelled, ignore = [], []
    for b in blocks:
        x0, y0, x1, y1 = b["box"]
        if len(b["lines"]) == 1 and (y1 < ph * 0.07 or y0 > ph * 0.93):
            ignore.append(b["box"])
            continue
        mean_h = sum(ln["box"][3] - ln["box"][1] for ln in b["lines"]) / len(b["lines"])
        first = b["lines"][0]["words"][0] if b["lines"][0]["words"] else ""
        n_words = sum(len(ln["words"]) for ln in b["lines"])
        if mean_h > 1.3 * body and len(b["lines"]) <= 3 and n_words <= 20:
            label = TITLE
        elif BULLET.match(first):
            label = LIST
        else:
            label = TEXT
        labelled.append([label, list(b["box"])])
    # merge consecutive List blocks of one column (PubLayNet boxes the whole list)
    merged = []
    for label, box in labelled:
        if merged and label == LIST and merged[-1][0] == LIST:
            px = merged[-1][1]
            overlap_x = min(px[2], box[2]) - max(px[0], box[0])
            if overlap_x > 0 and 0 <= box[1] - px[3] < 2.0 * body:
                merged[-1][1] = [min(px[0], box[0]), min(px[1], box[1]), max(px[2], box[2]), max(px[3], box[3])]
                continue
        merged.append([label, box])
    # text that poppler found inside a picture belongs to the figure
    for im in images:
        merged = [m for m in merged if not (m[1][0] >= im[0] - 2 and m[1][1] >= im[1] - 2 and m[1][2] <= im[2] + 2 and m[1][3] <= im[3] + 2)]
        merged.append([FIGURE, im])
    return merged, ignore


def build(out, per_pdf=6, width=800):
    os.makedirs(os.path.join(out, "images"), exist_ok=True)
    coco = {"images": [], "annotations": [], "categories": [{"id": i + 1, "name": n} for i, n in enumerate(["Text", "Title", "List", "Table", "Figure"])]}
    tmp = tempfile.mkdtemp()
    try:
        for src in PDFS:
            if not os.path.exists(src):
                print(f"missing {src} (skipped)")
                continue
            pdf = src
            if src.endswith(".gz"):
                pdf = os.path.join(tmp, os.path.basename(src)[:-3])
                with gzip.open(src) as fi, open(pdf, "wb") as fo:
                    shutil.copyfileobj(fi, fo)
            n = pages_of(pdf)
            first = min(3, n)
            picks = sorted({first + round(k * (n - first) / max(1, per_pdf - 1)) for k in range(per_pdf)} & set(range(1, n + 1)))
            stem = os.path.basename(pdf).replace(".pdf", "")
            for p in picks:
                pw, ph, blocks = blocks_of(pdf, p)
                boxes, ignore = label_page(pw, ph, blocks, images_of(pdf, p, tmp))
                if not boxes:
                    continue
                base = os.path.join(out, "images", f"{stem}-{p}")
                subprocess.run(["pdftoppm", "-f", str(p), "-l", str(p), "-singlefile", "-scale-to-x", str(width), "-scale-to-y", "-1", pdf, base], check=True)
                img = Image.open(base + ".ppm")
                s = img.width / pw
                img.save(base + ".png")
                coco["images"].append({"id": len(coco["images"]) + 1, "file_name": f"{stem}-{p}.png", "width": img.width, "height": img.height,
                                       "source": src, "page": p, "ignore": [[v * s for v in b] for b in ignore]})
                for label, b in boxes:
                    b = [v * s for v in b]
                    coco["annotations"].append({"id": len(coco["annotations"]) + 1, "image_id": len(coco["images"]), "category_id": label,
                                                "bbox": [b[0], b[1], b[2] - b[0], b[3] - b[1]], "area": (b[2] - b[0]) * (b[3] - b[1]), "iscrowd": 0})
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    with open(os.path.join(out, "annotations.json"), "w") as fh:
        json.dump(coco, fh)
    return coco


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--pages-per-pdf", type=int, default=6)
    ap.add_argument("--width", type=int, default=800)
    a = ap.parse_args()
    c = build(a.out, a.pages_per_pdf, a.width)
    print(f"{len(c['images'])} real pages, {len(c['annotations'])} boxes -> {a.out}")
