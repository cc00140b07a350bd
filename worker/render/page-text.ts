/** Reads a page's text layer inside the render thread, in the document load the page was drawn from. */
import { Util, type PDFPageProxy } from "pdfjs-dist/legacy/build/pdf.mjs";
import type { TextItem } from "pdfjs-dist/types/src/display/api";
import { badCharCount, type PageText, type TextRun } from "../text/runs";

// Of a glyph's em box, the part above the baseline and below it (Helvetica-like; good enough for overlap).
const ASCENT = 0.8;
const DESCENT = 0.2;

/** A run's box on the page as displayed, normalised; works for rotated pages and text. */
function runBox(item: TextItem, viewport: { transform: number[]; width: number; height: number }): [number, number, number, number] {
  const t = Util.transform(viewport.transform, item.transform) as number[];
  const size = Math.hypot(t[2]!, t[3]!) || Math.hypot(t[0]!, t[1]!) || 1;
  const along = Math.hypot(t[0]!, t[1]!) || 1;
  const dir = [t[0]! / along, t[1]! / along];
  const up = [t[2]! / size, t[3]! / size];
  // item.width is in the unscaled page space, which is this viewport's (scale 1).
  const xs: number[] = [];
  const ys: number[] = [];
  for (const a of [0, item.width]) {
    for (const b of [-DESCENT * size, ASCENT * size]) {
      // After the viewport's flip, (t[2], t[3]) is the glyph's up direction as displayed (y grows downwards).
      xs.push(t[4]! + dir[0]! * a + up[0]! * b);
      ys.push(t[5]! + dir[1]! * a + up[1]! * b);
    }
  }
  const w = viewport.width;
  const h = viewport.height;
  return [Math.min(...xs) / w, Math.min(...ys) / h, Math.max(...xs) / w, Math.max(...ys) / h];
}

const onPage = ([x1, y1, x2, y2]: TextRun["box"]) => {
  const cx = (x1 + x2) / 2;
  const cy = (y1 + y2) / 2;
  return cx >= 0 && cx <= 1 && cy >= 0 && cy <= 1;
};

/** The rendered page, to tell text that was drawn from text that was not. */
export type Pixels = { rgba: Uint8ClampedArray | Uint8Array; width: number; height: number };

/**
 * Whether anything was drawn where a run says its text is: invisible text (render mode 3, or text in a
 * font drawn outside its box) leaves the page white there. Sampled on a grid, so it costs little.
 */
function inked(box: TextRun["box"], px: Pixels): boolean {
  const x1 = Math.max(0, Math.floor(box[0] * px.width));
  const x2 = Math.min(px.width - 1, Math.ceil(box[2] * px.width));
  const y1 = Math.max(0, Math.floor(box[1] * px.height));
  const y2 = Math.min(px.height - 1, Math.ceil(box[3] * px.height));
  const step = Math.max(1, Math.floor(Math.min(x2 - x1, y2 - y1) / 8));
  for (let y = y1; y <= y2; y += Math.max(1, Math.floor(step / 2))) {
    for (let x = x1; x <= x2; x += 1) {
      const o = (y * px.width + x) * 4;
      if (px.rgba[o]! + px.rgba[o + 1]! + px.rgba[o + 2]! < 600) return true;
    }
  }
  return false;
}

export async function readPageText(page: PDFPageProxy, pixels: Pixels): Promise<PageText> {
  const started = performance.now();
  const viewport = page.getViewport({ scale: 1 });
  const content = await page.getTextContent();
  const runs: TextRun[] = [];
  let chars = 0;
  let badChars = 0;
  let offPageChars = 0;
  let inklessChars = 0;
  for (const raw of content.items) {
    if (!("str" in raw)) continue;
    const item = raw as TextItem;
    const count = item.str.replace(/\s+/g, "").length;
    if (count === 0) {
      if (item.hasEOL && runs.length) runs[runs.length - 1]!.eol = true;
      continue;
    }
    const box = runBox(item, viewport);
    if (!onPage(box)) {
      offPageChars += count;
      continue;
    }
    chars += count;
    badChars += badCharCount(item.str);
    if (!inked(box, pixels)) inklessChars += count;
    runs.push({ text: item.str, box, eol: item.hasEOL });
  }
  return { runs, stats: { chars, badChars, offPageChars, inklessChars }, textMs: performance.now() - started };
}
