import { linesToText } from "../text/assign";

/** Tesseract's lines of a region as the region's text, like the text layer's: hyphenation rejoined, lists kept. */
export function ocrRegionText(raw: string, label: string): string | null {
  const rows = raw
    .normalize("NFKC")
    .split("\n")
    .map((l) => l.replace(/\s+/g, " ").trim())
    .filter(Boolean);
  return rows.length ? linesToText(rows, label) : null;
}
