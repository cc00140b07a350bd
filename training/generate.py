#!/usr/bin/python3
"""Synthetic document pages with exact layout boxes (PubLayNet label set).

Every page is a pure function of its seed: `render_page(seed)` returns the page image, its boxes and the
regions left unlabelled. Each block (paragraph, heading, list, table, figure, caption) is drawn on its own
white canvas first; its box is the bounding box of that canvas's ink (pixels darker than 250 in any
channel), so boxes are tight to what is drawn. Blocks never overlap, so a box holds only its block's ink.

Labels follow PubLayNet: Text (paragraphs and captions), Title (page titles and section headings), List
(a whole list is one box), Table (the grid with its cells, not its caption), Figure (the picture with any
text drawn inside it, not its caption). Running headers, footers and page numbers get no label, as in
PubLayNet; they are listed per page under `ignore` so tests and evaluation know that ink there is expected.

Scan-like variants (`scan=True`, chosen per seed in the dataset) add slight rotation (boxes rotated with
the page and re-boxed), blur, noise and JPEG artefacts; the clean page is what the ink test checks.

CLI: /usr/bin/python3 training/generate.py --out DIR --split train|heldout --count N [--width 512]
writes DIR/images/*.png and DIR/annotations.json (COCO: bbox [x,y,w,h], categories 1..5).
"""
import argparse
import glob
import io
import json
import math
import os
import random
import re

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

LABELS = ["Text", "Title", "List", "Table", "Figure"]
TEXT, TITLE, LIST, TABLE, FIGURE = range(1, 6)  # COCO category ids (0 is background in torchvision)
HELDOUT_BASE = 10_000_000  # held-out seeds start here; training seeds are 0..HELDOUT_BASE-1
INK = 250  # a pixel is ink when some channel is below this

FONT_DIRS = ["/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation", "/usr/share/fonts/truetype/freefont"]


def _fonts():
    regular, bold = [], []
    for d in FONT_DIRS:
        for f in sorted(glob.glob(os.path.join(d, "*.ttf"))):
            name = os.path.basename(f)
            if any(k in name for k in ("Math", "ExtraLight", "Mono")):
                continue
            is_bold = "Bold" in name
            italic = any(k in name for k in ("Italic", "Oblique"))
            if is_bold and not italic:
                bold.append(f)
            elif not is_bold and not italic:
                regular.append(f)
    if not regular or not bold:
        raise SystemExit("no fonts found: apt-get install fonts-dejavu-core fonts-liberation (see training/README.md)")
    return regular, bold


REGULAR_FONTS, BOLD_FONTS = _fonts()
_font_cache = {}


def font(path, size):
    key = (path, size)
    if key not in _font_cache:
        _font_cache[key] = ImageFont.truetype(path, size)
    return _font_cache[key]


def _corpus():
    files = sorted(glob.glob("/usr/share/common-licenses/*"))
    files += sorted(glob.glob("/usr/share/doc/*/copyright"))[:200]
    words = []
    for f in files:
        try:
            with open(f, encoding="utf-8", errors="ignore") as fh:
                txt = fh.read()
        except (IsADirectoryError, PermissionError):
            continue
        for w in txt.split():
            w = re.sub(r"[^\w.,;:()'\-]", "", w)
            if 1 <= len(w) <= 18 and not w.startswith(("http", "www", "--")) and not set(w) <= set(".-_:"):
                words.append(w)
    if len(words) < 1000:
        raise SystemExit("too little English text found under /usr/share/common-licenses")
    return words


WORDS = _corpus()


def words(rng, n):
    i = rng.randrange(len(WORDS) - n - 1)
    return WORDS[i : i + n]


def wrap(text_words, f, width):
    lines, line = [], []
    for w in text_words:
        trial = " ".join(line + [w])
        if line and f.getlength(trial) > width:
            lines.append(line)
            line = [w]
        else:
            line.append(w)
    if line:
        lines.append(line)
    return lines


def canvas(w, h, mode="RGB"):
    return Image.new(mode, (max(1, int(w)), max(1, int(h))), "white")


def ink_box(img):
    a = np.asarray(img.convert("RGB"))
    mask = (a < INK).any(axis=2)
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return None
    return (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)


def ink_color(rng):
    g = rng.randint(0, 60)
    return (g, g, g) if rng.random() < 0.85 else (rng.randint(0, 60), rng.randint(0, 60), rng.randint(60, 140))


# --- blocks: each returns an RGB image of the given width (height as needed) ----------------------------


def draw_lines(rng, lines, f, width, color, justify, indent=0, spacing=1.25, first_indent=0):
    asc, desc = f.getmetrics()
    lh = int((asc + desc) * spacing)
    img = canvas(width, lh * len(lines) + desc + 2)
    d = ImageDraw.Draw(img)
    for i, ws in enumerate(lines):
        x0 = indent + (first_indent if i == 0 else 0)
        y = i * lh
        if justify and i < len(lines) - 1 and len(ws) > 1:
            total = sum(f.getlength(w) for w in ws)
            gap = (width - x0 - total) / (len(ws) - 1)
            x = x0
            for w in ws:
                d.text((x, y), w, font=f, fill=color)
                x += f.getlength(w) + gap
        else:
            d.text((x0, y), " ".join(ws), font=f, fill=color)
    return img


def paragraph(rng, width, style):
    f = font(style["body"], style["size"])
    n = rng.randint(12, 110)
    indent = style["size"] * 2 if style["indent"] else 0
    lines = wrap(words(rng, n), f, width - indent)
    lines = lines if indent == 0 else wrap(words(rng, n), f, width)  # simple: indent only the first line
    return draw_lines(rng, lines, f, width, style["color"], style["justify"], first_indent=indent, spacing=style["spacing"])


def heading(rng, width, style, level):
    size = style["size"] + (rng.randint(6, 12) if level == 0 else rng.randint(1, 5))
    f = font(style["bold"], size)
    ws = [w.strip(".,;:()") or w for w in words(rng, rng.randint(2, 9 if level == 0 else 6))]
    if rng.random() < 0.5:
        ws = [w.capitalize() for w in ws]
    if level > 0 and rng.random() < 0.6:
        ws = [".".join(str(rng.randint(1, 9)) for _ in range(level)) + ("." if rng.random() < 0.5 else "")] + ws
    if rng.random() < 0.15:
        ws = [w.upper() for w in ws]
    lines = wrap(ws, f, width)[:3]
    img = draw_lines(rng, lines, f, width, style["color"], False, spacing=1.15)
    if level == 0 and rng.random() < 0.4:  # centred page title
        box = ink_box(img)
        if box:
            shift = (width - (box[2] - box[0])) // 2 - box[0]
            moved = canvas(width, img.height)
            moved.paste(img, (shift, 0))
            img = moved
    return img


def bullet_list(rng, width, style):
    f = font(style["body"], style["size"])
    kind = rng.choice(["•", "–", "▪", "num", "alpha", "paren"])
    items = rng.randint(2, 7)
    hang = int(style["size"] * rng.uniform(1.5, 2.5))
    left = rng.choice([0, 0, int(style["size"] * 1.5)])
    parts = []
    for i in range(items):
        mark = {"num": f"{i + 1}.", "alpha": f"{chr(97 + i)})", "paren": f"({i + 1})"}.get(kind, kind)
        lines = wrap(words(rng, rng.randint(3, 40)), f, width - left - hang)
        item = draw_lines(rng, lines, f, width, style["color"], False, indent=left + hang, spacing=style["spacing"])
        ImageDraw.Draw(item).text((left, 0), mark, font=f, fill=style["color"])
        parts.append(item)
    gap = rng.randint(0, style["size"] // 2)
    img = canvas(width, sum(p.height for p in parts) + gap * items)
    y = 0
    for p in parts:
        img.paste(p, (0, y))
        y += p.height + gap
    return img


def cell_text(rng, col, numeric):
    if numeric:
        return rng.choice([f"{rng.uniform(0, 1000):.{rng.randint(0, 3)}f}", str(rng.randint(0, 99999)), f"{rng.uniform(0, 100):.1f}%"])
    return " ".join(w.strip(".,;:()") for w in words(rng, rng.randint(1, 3 if col else 2)))


def table(rng, width, style):
    size = max(7, style["size"] - rng.randint(0, 2))
    f, fb = font(style["body"], size), font(style["bold"], size)
    cols, rows = rng.randint(2, 6), rng.randint(3, 14)
    numeric = [c > 0 and rng.random() < 0.7 for c in range(cols)]
    data = [[cell_text(rng, c, numeric[c]) for c in range(cols)] for _ in range(rows)]
    pad = rng.randint(2, 5)
    colw = [max(f.getlength(data[r][c]) for r in range(rows)) + 2 * pad for c in range(cols)]
    scale = min(1.0, width / sum(colw))
    if scale < 1.0:  # too wide: truncate cells
        colw = [w * scale for w in colw]
    total = sum(colw)
    if rng.random() < 0.4 and total < width:  # stretch to the column
        colw = [w * width / total for w in colw]
        total = width
    asc, desc = f.getmetrics()
    rh = int((asc + desc) * rng.uniform(1.2, 1.6))
    img = canvas(width, rh * rows + 4)
    d = ImageDraw.Draw(img)
    x0 = 0 if total >= width - 2 else rng.choice([0, int((width - total) / 2)])
    rules = rng.choice(["grid", "booktabs", "none", "rows"])
    for r in range(rows):
        x = x0
        for c in range(cols):
            t = data[r][c]
            fnt = fb if r == 0 else f
            while t and fnt.getlength(t) > colw[c] - 2 * pad:
                t = t[:-1]
            d.text((x + pad, r * rh + (rh - asc - desc) // 2), t, font=fnt, fill=style["color"])
            x += colw[c]
    x1 = int(x0 + total) - 1
    lw = 1
    if rules == "grid":
        for r in range(rows + 1):
            d.line([(x0, r * rh), (x1, r * rh)], fill=style["color"], width=lw)
        x = x0
        for c in range(cols + 1):
            d.line([(int(x) if c < cols else x1, 0), (int(x) if c < cols else x1, rows * rh)], fill=style["color"], width=lw)
            x += colw[c] if c < cols else 0
    elif rules == "booktabs":
        for y, w in ((0, 2), (rh, 1), (rows * rh, 2)):
            d.line([(x0, y), (x1, y)], fill=style["color"], width=w)
    elif rules == "rows":
        for r in range(0, rows + 1):
            d.line([(x0, r * rh), (x1, r * rh)], fill=(150, 150, 150), width=1)
    return img


def figure(rng, width, style):
    h = int(width * rng.uniform(0.45, 0.9))
    w = int(width * rng.uniform(0.55, 1.0))
    kind = rng.choice(["plot", "bars", "diagram", "photo", "photo"])
    img = canvas(width, h)
    x0 = (width - w) // 2 if rng.random() < 0.7 else 0
    sub = canvas(w, h)
    d = ImageDraw.Draw(sub)
    f = font(style["body"], max(6, style["size"] - 2))
    colors = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (80, 80, 80)]
    if kind in ("plot", "bars"):
        l, t, r, b = 24, 6, w - 6, h - 18
        d.line([(l, t), (l, b), (r, b)], fill=(0, 0, 0), width=1)
        for i in range(5):
            y = b - i * (b - t) // 4
            d.line([(l - 3, y), (l, y)], fill=(0, 0, 0))
            d.text((2, y - 5), str(i * 25), font=f, fill=(0, 0, 0))
        if kind == "plot":
            for s in range(rng.randint(1, 4)):
                ys = np.cumsum(np.array([rng.gauss(0, 1) for _ in range(40)]))
                ys = (ys - ys.min()) / (np.ptp(ys) + 1e-6)
                pts = [(l + (r - l) * i / 39, b - 2 - (b - t - 4) * y) for i, y in enumerate(ys)]
                d.line(pts, fill=colors[s], width=rng.choice([1, 2]))
        else:
            n = rng.randint(3, 12)
            bw = (r - l) / n
            for i in range(n):
                v = rng.uniform(0.1, 1.0)
                d.rectangle([l + i * bw + 2, b - (b - t) * v, l + (i + 1) * bw - 2, b - 1], fill=colors[i % 3])
    elif kind == "diagram":
        nodes = []
        for _ in range(rng.randint(3, 7)):
            bw, bh = rng.randint(30, max(31, w // 3)), rng.randint(14, 30)
            x, y = rng.randint(0, max(0, w - bw - 1)), rng.randint(0, max(0, h - bh - 1))
            shape = rng.choice(["rect", "ellipse"])
            (d.rectangle if shape == "rect" else d.ellipse)([x, y, x + bw, y + bh], outline=(0, 0, 0), fill=rng.choice([(255, 255, 255), (220, 230, 245)]))
            d.text((x + 3, y + 2), words(rng, 1)[0][:8], font=f, fill=(0, 0, 0))
            nodes.append((x + bw // 2, y + bh // 2))
        for a, b2 in zip(nodes, nodes[1:]):
            d.line([a, b2], fill=(0, 0, 0), width=1)
    else:  # photo-like: smooth random texture
        g = np.random.default_rng(rng.randrange(1 << 30))
        base = g.random((max(2, h // 16), max(2, w // 16), 3))
        tex = Image.fromarray((base * 255).astype(np.uint8)).resize((w, h), Image.BICUBIC)
        noise = Image.fromarray((g.random((h, w, 3)) * 60).astype(np.uint8))
        arr = np.clip(np.asarray(tex, dtype=np.int16) - np.asarray(noise, dtype=np.int16) // 2, 0, 240).astype(np.uint8)
        sub = Image.fromarray(arr)
        if rng.random() < 0.3:
            sub = sub.convert("L").convert("RGB")
    img.paste(sub, (x0, 0))
    return img


def caption(rng, width, style, kind):
    f = font(style["body"], max(6, style["size"] - 1))
    ws = [f"{kind} {rng.randint(1, 12)}:"] + words(rng, rng.randint(4, 30))
    return draw_lines(rng, wrap(ws, f, width), f, width, style["color"], False, spacing=1.15)


# --- page layout ---------------------------------------------------------------------------------------


def page_style(rng):
    return {
        "body": rng.choice(REGULAR_FONTS),
        "bold": rng.choice(BOLD_FONTS),
        "size": rng.choice([7, 8, 8, 9, 9, 10, 11]),
        "justify": rng.random() < 0.6,
        "indent": rng.random() < 0.3,
        "spacing": rng.uniform(1.1, 1.45),
        "color": ink_color(rng),
    }


def render_page(seed, width=512, scan=None):
    """Returns (PIL RGB image, [(label, (x0,y0,x1,y1))], ignore regions [(x0,y0,x1,y1)])."""
    rng = random.Random(seed)
    height = int(round(width * rng.choice([11 / 8.5, 297 / 210])))
    page = canvas(width, height)
    style = page_style(rng)
    boxes, ignore = [], []
    margin_x = int(width * rng.uniform(0.06, 0.14))
    margin_top = int(height * rng.uniform(0.05, 0.1))
    margin_bottom = int(height * rng.uniform(0.05, 0.1))
    ncols = rng.choices([1, 2, 3], weights=[4, 5, 1])[0]
    gutter = int(width * rng.uniform(0.025, 0.05))
    colw = (width - 2 * margin_x - (ncols - 1) * gutter) // ncols
    gap = int(style["size"] * rng.uniform(0.6, 1.4))

    def place(img, x, y, label):
        box = ink_box(img)
        if box is None:
            return
        page.paste(img, (x, y))
        bx = (x + box[0], y + box[1], x + box[2], y + box[3])
        if label is None:
            ignore.append(bx)
        else:
            boxes.append((label, bx))

    # running header / footer / page number: unlabelled (PubLayNet leaves them out)
    hf = font(style["body"], max(6, style["size"] - 1))
    if rng.random() < 0.6:
        img = draw_lines(rng, [words(rng, rng.randint(2, 7))], hf, width - 2 * margin_x, style["color"], False)
        if rng.random() < 0.5:
            ImageDraw.Draw(img).line([(0, img.height - 1), (width - 2 * margin_x - 1, img.height - 1)], fill=style["color"])
        place(img, margin_x, max(2, margin_top // 2 - img.height // 2), None)
    if rng.random() < 0.7:
        img = draw_lines(rng, [[str(rng.randint(1, 400))]], hf, 40, style["color"], False)
        fx = rng.choice([margin_x, width // 2 - 8, width - margin_x - 30])
        place(img, fx, height - margin_bottom // 2 - img.height // 2, None)

    y_top = margin_top
    if rng.random() < 0.45:  # page title spanning all columns, maybe with an abstract-like paragraph
        img = heading(rng, width - 2 * margin_x, style, 0)
        place(img, margin_x, y_top, TITLE)
        y_top += img.height + gap * 2
        if rng.random() < 0.5:
            w = int((width - 2 * margin_x) * rng.uniform(0.7, 1.0))
            img = paragraph(rng, w, style)
            place(img, margin_x + (width - 2 * margin_x - w) // 2, y_top, TEXT)
            y_top += img.height + gap * 2
    bottom = height - margin_bottom
    weights = [("para", 10), ("heading", 3), ("list", 2.5), ("table", 1.6), ("figure", 1.8)]
    for c in range(ncols):
        x = margin_x + c * (colw + gutter)
        y = y_top
        last = None
        for _ in range(40):
            kind = rng.choices([k for k, _ in weights], weights=[w for _, w in weights])[0]
            if kind == "heading" and last == "heading":
                continue
            if kind == "para":
                blocks = [(paragraph(rng, colw, style), TEXT)]
            elif kind == "heading":
                blocks = [(heading(rng, colw, style, rng.randint(1, 2)), TITLE)]
            elif kind == "list":
                blocks = [(bullet_list(rng, colw, style), LIST)]
            elif kind == "table":
                t = table(rng, colw, style)
                cap = caption(rng, colw, style, "Table")
                blocks = [(cap, TEXT), (t, TABLE)] if rng.random() < 0.7 else [(t, TABLE), (cap, TEXT)]
                if rng.random() < 0.2:
                    blocks = [(t, TABLE)]
            else:
                fig = figure(rng, colw, style)
                blocks = [(fig, FIGURE)] + ([(caption(rng, colw, style, rng.choice(["Figure", "Fig."])), TEXT)] if rng.random() < 0.8 else [])
            need = sum(b.height for b, _ in blocks) + gap * len(blocks)
            if y + need > bottom:
                if kind == "para" and bottom - y > 3 * style["size"]:  # a paragraph cut at the column's end
                    img = blocks[0][0]
                    lh = int(sum(font(style["body"], style["size"]).getmetrics()) * style["spacing"])
                    keep = ((bottom - y) // lh) * lh
                    if keep > 0:
                        place(img.crop((0, 0, colw, keep)), x, y, TEXT)
                break
            for b, label in blocks:
                place(b, x, y, label)
                y += b.height + gap // 2
            y += gap
            last = kind
    if scan is None:
        scan = rng.random() < 0.35
    if scan:
        page, boxes, ignore = scan_like(rng, page, boxes, ignore)
    return page, boxes, ignore


def scan_like(rng, page, boxes, ignore):
    w, h = page.size
    angle = rng.uniform(-1.5, 1.5)
    if rng.random() < 0.7 and abs(angle) > 0.1:
        page = page.rotate(angle, resample=Image.BILINEAR, fillcolor="white")
        a = math.radians(-angle)  # PIL rotates counter-clockwise for positive angles, in image coordinates
        cx, cy = w / 2, h / 2

        def rot(b):
            pts = [(b[0], b[1]), (b[2], b[1]), (b[0], b[3]), (b[2], b[3])]
            xs = [cx + (px - cx) * math.cos(a) - (py - cy) * math.sin(a) for px, py in pts]
            ys = [cy + (px - cx) * math.sin(a) + (py - cy) * math.cos(a) for px, py in pts]
            return (max(0, min(xs)), max(0, min(ys)), min(w, max(xs)), min(h, max(ys)))

        boxes = [(l, rot(b)) for l, b in boxes]
        ignore = [rot(b) for b in ignore]
    if rng.random() < 0.5:
        page = page.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.9)))
    if rng.random() < 0.5:
        g = np.random.default_rng(rng.randrange(1 << 30))
        arr = np.asarray(page, dtype=np.float32) - rng.uniform(0, 20) + g.normal(0, rng.uniform(2, 10), (h, w, 1))
        page = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    if rng.random() < 0.6:
        buf = io.BytesIO()
        page.save(buf, "JPEG", quality=rng.randint(25, 80))
        page = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    return page, boxes, ignore


def split_seed(split, i):
    return (HELDOUT_BASE if split == "heldout" else 0) + i


def write_dataset(out, split, count, width=512, start=0):
    os.makedirs(os.path.join(out, "images"), exist_ok=True)
    coco = {"images": [], "annotations": [], "categories": [{"id": i + 1, "name": n} for i, n in enumerate(LABELS)]}
    for i in range(start, start + count):
        seed = split_seed(split, i)
        img, boxes, ignore = render_page(seed, width)
        name = f"{split}-{seed}.png"
        img.save(os.path.join(out, "images", name))
        coco["images"].append({"id": len(coco["images"]) + 1, "file_name": name, "width": img.width, "height": img.height, "seed": seed,
                               "ignore": [[round(v, 2) for v in b] for b in ignore]})
        for label, b in boxes:
            coco["annotations"].append({"id": len(coco["annotations"]) + 1, "image_id": len(coco["images"]), "category_id": label,
                                        "bbox": [round(b[0], 2), round(b[1], 2), round(b[2] - b[0], 2), round(b[3] - b[1], 2)],
                                        "area": round((b[2] - b[0]) * (b[3] - b[1]), 2), "iscrowd": 0})
    with open(os.path.join(out, "annotations.json"), "w") as fh:
        json.dump(coco, fh)
    return coco


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--split", choices=["train", "heldout"], default="heldout")
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--width", type=int, default=512)
    a = ap.parse_args()
    coco = write_dataset(a.out, a.split, a.count, a.width, a.start)
    print(f"{len(coco['images'])} pages, {len(coco['annotations'])} boxes -> {a.out}")
