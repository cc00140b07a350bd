/**
 * Reading order of a page's regions by recursive XY-cut: a node of boxes is split at the widest empty band
 * across it (a gutter between columns or a gap between rows), and each part is read in turn, top to bottom
 * or left to right. A column's gutter is wider than the gaps between its paragraphs, so columns are read
 * whole. Running headers and footers (thin boxes in the top or bottom margin) are read last.
 */
import type { PageSize } from "./assign";

type Box = [number, number, number, number];
type Item = { index: number; x1: number; y1: number; x2: number; y2: number };

/** Points a box may overlap its neighbour by and still count as apart (detections are not pixel-exact). */
const SLACK = 2;
const MARGIN = 0.07;

/** The empty bands along one axis, as [start, end] pairs, widest first. */
function gaps(items: Item[], lo: (i: Item) => number, hi: (i: Item) => number): { at: number; width: number }[] {
  const spans = items.map((i) => [lo(i) + SLACK, hi(i) - SLACK] as const).sort((a, b) => a[0] - b[0]);
  const out: { at: number; width: number }[] = [];
  let reach = spans[0]![1];
  for (const [start, end] of spans.slice(1)) {
    if (start > reach) out.push({ at: (start + reach) / 2, width: start - reach });
    reach = Math.max(reach, end);
  }
  return out.sort((a, b) => b.width - a.width);
}

const byPosition = (items: Item[]) => [...items].sort((a, b) => a.y1 - b.y1 || a.x1 - b.x1);

/** `first` then the rest, each cut again; a split that leaves one side empty reads by position instead. */
function split(items: Item[], first: Item[]): Item[] {
  if (first.length === 0 || first.length === items.length) return byPosition(items);
  return [...cut(first), ...cut(items.filter((i) => !first.includes(i)))];
}

function cut(items: Item[]): Item[] {
  if (items.length <= 1) return items;
  const rows = gaps(items, (i) => i.y1, (i) => i.y2);
  const cols = gaps(items, (i) => i.x1, (i) => i.x2);
  const row = rows[0];
  const col = cols[0];
  if (!row && !col) return byPosition(items);
  if (col && (!row || col.width > row.width)) return split(items, items.filter((i) => (i.x1 + i.x2) / 2 < col.at));
  return split(items, items.filter((i) => (i.y1 + i.y2) / 2 < row!.at));
}

const isMarginal = (b: Box) => b[3] - b[1] < 0.05 && (b[3] <= MARGIN || b[1] >= 1 - MARGIN);

/** For each box (normalised, like detections), its place in reading order: 0 is read first. */
export function readingOrder(boxes: Box[], page: PageSize): number[] {
  const items = boxes.map((b, index) => ({ index, x1: b[0] * page.widthPt, y1: b[1] * page.heightPt, x2: b[2] * page.widthPt, y2: b[3] * page.heightPt }));
  const body = items.filter((i) => !isMarginal(boxes[i.index]!));
  const margins = byPosition(items.filter((i) => isMarginal(boxes[i.index]!)));
  const order = new Array<number>(boxes.length);
  [...cut(body), ...margins].forEach((item, rank) => (order[item.index] = rank));
  return order;
}
