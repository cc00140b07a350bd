/** The text side of a page's result: each region's text and reading order, from the page's text layer. */
import { assignText, type PageSize, type Region } from "./assign";
import { readingOrder } from "./reading-order";
import { judgeTextLayer, type PageText } from "./runs";

export type RegionContent = { text: string | null; textSource: "pdf" | null; readingOrder: number };
export type PageContent = {
  regions: RegionContent[];
  unassignedText: string | null;
  textLayer: "ok" | "none" | "unusable" | null;
  /** Says why the page has no text from its text layer; null when it has. */
  note: string | null;
  textMs: number;
};

export function pageContent(text: PageText | null, regions: Region[], page: PageSize): PageContent {
  const started = performance.now();
  const order = readingOrder(regions.map((r) => r.box), page);
  const bare = (note: string | null, textLayer: PageContent["textLayer"]): PageContent => ({
    regions: order.map((readingOrder) => ({ text: null, textSource: null, readingOrder })),
    unassignedText: null,
    textLayer,
    note,
    textMs: (text?.textMs ?? 0) + performance.now() - started,
  });
  if (!text) return bare("The text layer of this page could not be read, so its regions have no text.", null);
  const verdict = judgeTextLayer(text.stats);
  if (!verdict.usable) {
    const why = verdict.state === "none" ? "This page has no text layer" : `The text layer of this page was not used: ${verdict.reason}`;
    return bare(`${why}; it needs OCR for its text.`, verdict.state);
  }
  const { texts, unassigned } = assignText(text.runs, regions, page);
  return {
    regions: texts.map((t, i) => ({ text: t, textSource: t === null ? null : "pdf", readingOrder: order[i]! })),
    unassignedText: unassigned || null,
    textLayer: "ok",
    note: null,
    textMs: text.textMs + performance.now() - started,
  };
}
