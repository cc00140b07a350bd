import { z } from "zod";
import { AppError } from "./errors";

/** A page selection as sent at upload: page numbers and inclusive ranges, comma-separated ("1-5,8"). */
export const PAGE_RANGE_PATTERN = /^\s*\d{1,7}(\s*-\s*\d{1,7})?(\s*,\s*\d{1,7}(\s*-\s*\d{1,7})?)*\s*$/;

type Span = [number, number];

function spans(text: string): Span[] {
  return text.split(",").map((part) => {
    const [a, b = a] = part.split("-").map((n) => Number(n.trim()));
    return [a!, b!];
  });
}

/** Problems with a page selection that the pattern cannot see, in words; empty when it is fine. */
export function pageRangeProblems(text: string): string[] {
  if (!PAGE_RANGE_PATTERN.test(text)) return [`"${text.slice(0, 50)}" is not a page selection like "1-5,8"`];
  const problems: string[] = [];
  for (const [a, b] of spans(text)) {
    if (a < 1) problems.push("page numbers start at 1");
    else if (b < a) problems.push(`the range ${a}-${b} runs backwards`);
  }
  return [...new Set(problems)];
}

export const pageRangeSchema = z
  .string()
  .max(1000)
  .regex(PAGE_RANGE_PATTERN, 'pages must be page numbers and ranges, comma-separated, like "1-5,8"')
  .superRefine((text, ctx) => {
    for (const message of pageRangeProblems(text)) ctx.addIssue({ code: "custom", message });
  })
  .describe('Pages to process, e.g. "1-5,8" (inclusive ranges, 1-based). Omitted: every page.');

/** Merges overlapping and touching spans, sorted: "8,1-3,2-5" -> "1-5,8". */
export function normalisePageRange(text: string): string {
  const problems = pageRangeProblems(text);
  if (problems.length) throw new AppError("validation_failed", "bad page range", `Invalid page selection: ${problems.join("; ")}.`);
  const merged: Span[] = [];
  for (const [a, b] of spans(text).sort((x, y) => x[0] - y[0])) {
    const last = merged.at(-1);
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else merged.push([a, b]);
  }
  return merged.map(([a, b]) => (a === b ? String(a) : `${a}-${b}`)).join(",");
}

/** How many pages a normalised selection names (before it meets the file). */
export function pageRangeSize(normalised: string): number {
  return spans(normalised).reduce((n, [a, b]) => n + b - a + 1, 0);
}

/**
 * The page numbers of a normalised selection in a file of `pageCount` pages. Pages beyond the file are an
 * error, not silently dropped: the caller asked for something the file does not have.
 */
export function selectPages(normalised: string | null, pageCount: number): { pages: number[] } | { error: string } {
  if (normalised === null) return { pages: Array.from({ length: pageCount }, (_, i) => i + 1) };
  const beyond = spans(normalised).filter(([, b]) => b > pageCount);
  if (beyond.length) {
    const asked = beyond.map(([a, b]) => (a === b ? String(a) : `${a}-${b}`)).join(",");
    return { error: `The file has ${pageCount} page${pageCount === 1 ? "" : "s"}; the selected pages ${asked} are not in it.` };
  }
  const pages: number[] = [];
  for (const [a, b] of spans(normalised)) for (let n = a; n <= b; n++) pages.push(n);
  return { pages };
}
