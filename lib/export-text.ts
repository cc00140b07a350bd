/**
 * Markdown and plain-text exports: each done page's regions in reading order. Title -> heading,
 * List -> list items, Text -> paragraph, Table -> a Markdown table when its rows split into the same number
 * of cells (tabs, from the runs' positions), else preformatted text; Figure -> a link to its part of the page image.
 */
import type { DetectionRow, Document, Page } from "../db/schema";

const pageImageUrl = (documentId: string, pageNumber: number) => `/api/documents/${documentId}/pages/${pageNumber}/image`;
const BULLET = /^([\u2022\u2023\u25aa\u25cf\u25e6\u2043\u2219*\u2013-]|\(?\d{1,3}[.)]|\(?[a-z][.)])\s+/;

/** Detections of each done page, pages in order, regions in reading order. */
function pagesInOrder(pages: Page[], detections: DetectionRow[]) {
  return pages
    .filter((p) => p.status === "done")
    .sort((a, b) => a.pageNumber - b.pageNumber)
    .map((page) => ({
      page,
      regions: detections
        .filter((d) => d.pageId === page.id)
        .sort((a, b) => (a.readingOrder ?? Infinity) - (b.readingOrder ?? Infinity) || b.score - a.score),
    }));
}

/** Characters that would turn plain text into Markdown markup at the start of a line or anywhere. */
const escapeInline = (s: string) => s.replace(/([\\`*_[\]<>|])/g, "\\$1");
const escapeLine = (s: string) => escapeInline(s).replace(/^(#{1,6}\s|[-+]\s|\d+[.)]\s|>)/, "\\$1");

function table(text: string): string {
  const rows = text.split("\n").map((r) => r.split("\t").map((c) => escapeInline(c.trim())));
  const width = rows[0]?.length ?? 0;
  if (rows.length >= 2 && width >= 2 && rows.every((r) => r.length === width)) {
    const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
    return [line(rows[0]!), line(rows[0]!.map(() => "---")), ...rows.slice(1).map(line)].join("\n");
  }
  return "```\n" + text.replaceAll("\t", "    ").replaceAll("```", "'''") + "\n```";
}

function listItems(text: string): string {
  return text
    .split("\n")
    .map((item) => `- ${escapeInline(item.replace(BULLET, ""))}`)
    .join("\n");
}

function region(doc: Document, page: Page, d: DetectionRow, headingLevel: () => number): string | null {
  const label = d.label.toLowerCase();
  if (label === "figure" || label === "picture" || label === "image") {
    const pct = (v: number) => Math.round(v * 1000) / 10;
    const fragment = `#xywh=percent:${pct(d.x1)},${pct(d.y1)},${pct(d.x2 - d.x1)},${pct(d.y2 - d.y1)}`;
    const caption = d.text ? `: ${escapeInline(d.text.replace(/\s+/g, " "))}` : "";
    return `![Figure on page ${page.pageNumber}${caption}](${pageImageUrl(doc.id, page.pageNumber)}${fragment})`;
  }
  const text = d.text?.trim();
  if (!text) return null;
  if (label === "table") return table(text);
  if (label === "title" || label === "section-header" || label === "heading") return `${"#".repeat(headingLevel())} ${escapeInline(text.replace(/\s+/g, " "))}`;
  const lines = text.split("\n");
  if (label === "list" || label === "list-item" || (lines.length >= 2 && lines.every((l) => BULLET.test(l)))) return listItems(text);
  return lines.map(escapeLine).join("\n\n");
}

export function toMarkdown(doc: Document, pages: Page[], detections: DetectionRow[], run = 1): string {
  const model = doc.modelName ?? doc.modelId ?? "unknown model";
  const out = [`<!-- ${doc.filename}: regions by ${model}${doc.modelKind ? ` (${doc.modelKind})` : ""}, run ${run}, exported by Pagewise -->`];
  let titles = 0;
  const headingLevel = () => (titles++ === 0 ? 1 : 2);
  for (const { page, regions } of pagesInOrder(pages, detections)) {
    out.push(`<!-- page ${page.pageNumber} -->`);
    for (const d of regions) {
      const block = region(doc, page, d, headingLevel);
      if (block) out.push(block);
    }
    if (page.unassignedText) out.push(page.unassignedText.split("\n").map(escapeLine).join("\n\n"));
  }
  return out.join("\n\n") + "\n";
}

/** Plain text: regions in reading order, a blank line between them, a form feed between pages. */
export function toPlainText(pages: Page[], detections: DetectionRow[]): string {
  return (
    pagesInOrder(pages, detections)
      .map(({ page, regions }) =>
        [...regions.map((d) => d.text?.replaceAll("\t", " ").trim()).filter(Boolean), page.unassignedText].filter(Boolean).join("\n\n"),
      )
      .join("\n\f\n") + "\n"
  );
}
