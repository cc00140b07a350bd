/**
 * Puts a page's text runs into the detected regions and rebuilds each region's text: lines in order, words
 * spaced by their gaps, a word split by a hyphen at a line end joined again, ligatures (ﬁ, ﬂ) unfolded.
 */
import type { TextRun } from "./runs";

export type Region = { label: string; box: [number, number, number, number] };
/** Page size in points: gaps and heights are compared in points, not in the page's normalised units. */
export type PageSize = { widthPt: number; heightPt: number };
export type AssignedText = { texts: (string | null)[]; unassigned: string };

type Placed = { text: string; x1: number; y1: number; x2: number; y2: number };

const area = (b: Region["box"]) => Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);

function overlap(a: Region["box"], b: Region["box"]): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  return w > 0 && h > 0 ? w * h : 0;
}

/** The region a run belongs to: the smallest of those holding most of it; -1 for none. */
export function regionOf(run: Region["box"], regions: Region[]): number {
  const own = area(run);
  let best = -1;
  let bestArea = Infinity;
  regions.forEach((r, i) => {
    const a = area(r.box);
    const held = own > 0 ? overlap(run, r.box) / own : Number(run[0] >= r.box[0] && run[2] <= r.box[2] && run[1] >= r.box[1] && run[3] <= r.box[3]);
    if (held > 0.5 && a < bestArea) {
      best = i;
      bestArea = a;
    }
  });
  return best;
}

/** Runs grouped into lines (top to bottom), each line's runs left to right. */
function lines(runs: Placed[]): Placed[][] {
  const sorted = [...runs].sort((a, b) => (a.y1 + a.y2) / 2 - (b.y1 + b.y2) / 2 || a.x1 - b.x1);
  const out: { top: number; bottom: number; runs: Placed[] }[] = [];
  for (const run of sorted) {
    const line = out.at(-1);
    const h = run.y2 - run.y1;
    const shared = line ? Math.min(line.bottom, run.y2) - Math.max(line.top, run.y1) : 0;
    if (line && shared > 0.5 * Math.min(h, line.bottom - line.top)) {
      line.runs.push(run);
      line.top = Math.min(line.top, run.y1);
      line.bottom = Math.max(line.bottom, run.y2);
    } else out.push({ top: run.y1, bottom: run.y2, runs: [run] });
  }
  return out.map((l) => l.runs.sort((a, b) => a.x1 - b.x1));
}

/** A line's text; a gap wider than a fifth of the line's height is a space, one wider than `cellGap` a tab. */
function lineText(runs: Placed[], cellGap = Infinity): string {
  let text = "";
  let prev: Placed | null = null;
  for (const run of runs) {
    if (prev) {
      const gap = run.x1 - prev.x2;
      const height = Math.max(run.y2 - run.y1, prev.y2 - prev.y1);
      if (gap > cellGap * height) text = text.trimEnd() + "\t";
      else if (gap > 0.2 * height && !/\s$/.test(text) && !/^\s/.test(run.text)) text += " ";
    }
    text += run.text;
    prev = run;
  }
  return text.replace(/[ \u00a0]+/g, " ").trim();
}

const BULLET = /^([\u2022\u2023\u25aa\u25cf\u25e6\u2043\u2219*\u2013-]|\(?\d{1,3}[.)]|\(?[a-z][.)])\s/;

/** Joins lines into running text: "exam-" + "ple" is "example", a soft hyphen likewise, otherwise a space. */
export function joinLines(lines: string[]): string {
  let text = "";
  for (const line of lines) {
    if (!text) text = line;
    else if (/\p{L}[-\u00ad]$/u.test(text) && /^\p{Ll}/u.test(line)) text = text.slice(0, -1) + line;
    else text = `${text} ${line}`;
  }
  return text;
}

/** A region's text from its runs: list items and table rows one a line, anything else one paragraph. */
export function regionText(runs: Placed[], label: string): string {
  const isTable = /table/i.test(label);
  return linesToText(lines(runs).map((l) => lineText(l, isTable ? 1.2 : Infinity)).filter(Boolean), label);
}

/** A region's lines (top to bottom) as its text: table rows and list items one a line, else one paragraph. */
export function linesToText(rows: string[], label: string): string {
  if (/table/i.test(label)) return rows.join("\n");
  if (/list/i.test(label) || rows.filter((r) => BULLET.test(r)).length >= 2) {
    const items: string[][] = [];
    for (const row of rows) {
      if (BULLET.test(row) || items.length === 0) items.push([row]);
      else items.at(-1)!.push(row);
    }
    return items.map(joinLines).join("\n");
  }
  return joinLines(rows);
}

/**
 * Each region's text (null where no run fell in it) and the text of the runs outside every region, so that
 * nothing the page says is lost.
 */
export function assignText(runs: TextRun[], regions: Region[], page: PageSize): AssignedText {
  const toPlaced = (r: TextRun): Placed => ({
    text: r.text.normalize("NFKC"),
    x1: r.box[0] * page.widthPt,
    y1: r.box[1] * page.heightPt,
    x2: r.box[2] * page.widthPt,
    y2: r.box[3] * page.heightPt,
  });
  const perRegion: Placed[][] = regions.map(() => []);
  const rest: Placed[] = [];
  for (const run of runs) {
    const i = regionOf(run.box, regions);
    (i >= 0 ? perRegion[i]! : rest).push(toPlaced(run));
  }
  return {
    texts: perRegion.map((rs, i) => (rs.length ? regionText(rs, regions[i]!.label) : null)),
    unassigned: lines(rest).map((l) => lineText(l)).join("\n"),
  };
}
