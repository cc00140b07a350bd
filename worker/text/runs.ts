/** A piece of a page's text layer, as pdf.js reports it, with its box on the page as displayed. */
export type TextRun = {
  text: string;
  /** x1, y1, x2, y2 normalised to the page (0..1, origin top-left), like detection boxes. */
  box: [number, number, number, number];
  /** pdf.js says a line break follows this run. */
  eol: boolean;
};

/** What the render thread saw of a page's text layer, besides the runs themselves. */
export type TextLayerStats = {
  /** Non-space characters of all runs. */
  chars: number;
  /** Private-use, control and replacement characters among them (a font without a Unicode map). */
  badChars: number;
  /** Characters of runs lying outside the visible page (dropped from `runs`). */
  offPageChars: number;
  /** Characters of runs where the rendered page shows no ink at all (invisible text). */
  inklessChars: number;
};

export type PageText = { runs: TextRun[]; stats: TextLayerStats; textMs: number };

const BAD = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ue000-\uf8ff\ufffd]/gu;

/** Counts the characters of `text` that no real text layer would contain. */
export function badCharCount(text: string): number {
  return text.match(BAD)?.length ?? 0;
}

export type TextLayerVerdict = { usable: boolean; state: "ok" | "none" | "unusable"; reason: string | null };

/**
 * Whether a page's text layer can be trusted. A page with no text at all needs OCR; so does one whose text
 * is mostly garbage characters, mostly off the page or mostly invisible (drawn where the rendered page has no ink:
 * a hidden layer over a scan is not caught by this, as the scan's ink lies under it, and is used).
 */
export function judgeTextLayer(stats: TextLayerStats): TextLayerVerdict {
  const all = stats.chars + stats.offPageChars;
  if (all === 0) return { usable: false, state: "none", reason: "no text layer" };
  if (stats.badChars / Math.max(1, stats.chars) > 0.3) {
    return { usable: false, state: "unusable", reason: "its text layer is mostly unreadable characters (a font without a Unicode map)" };
  }
  if (stats.offPageChars / all > 0.5) return { usable: false, state: "unusable", reason: "most of its text layer lies outside the visible page" };
  if (stats.inklessChars / Math.max(1, stats.chars) > 0.5) return { usable: false, state: "unusable", reason: "its text layer is invisible" };
  return { usable: true, state: "ok", reason: null };
}
