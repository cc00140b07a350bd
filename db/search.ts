/**
 * Full-text search over region text (the generated `search_vector` column and its GIN index). Queries are
 * parsed with websearch_to_tsquery, so users type as into a search box ("quoted phrases", -exclusions, or).
 * Snippets come from ts_headline with control characters around the matches, so that no markup from the
 * document's own text can pass as a highlight: `snippetParts` splits them.
 */
import { and, desc, eq, sql } from "drizzle-orm";
import type { Db } from "./client";
import { detections, documents, pages } from "./schema";

const START = "\u0001";
const STOP = "\u0002";
const CONFIG = "english";

export type SnippetPart = { text: string; match: boolean };
export type SearchHit = { pageNumber: number; label: string; box: [number, number, number, number]; order: number | null; rank: number; snippet: SnippetPart[] };

export function snippetParts(headline: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  for (const [i, chunk] of headline.split(START).entries()) {
    const [inside, after] = i === 0 ? [null, chunk] : (() => {
      const at = chunk.indexOf(STOP);
      return at < 0 ? [chunk, ""] : [chunk.slice(0, at), chunk.slice(at + 1)];
    })();
    if (inside) parts.push({ text: inside, match: true });
    if (after) parts.push({ text: after.replaceAll(STOP, ""), match: false });
  }
  return parts;
}

const query = (q: string) => sql`websearch_to_tsquery(${CONFIG}::regconfig, ${q})`;
const headline = (q: string) =>
  sql<string>`ts_headline(${CONFIG}::regconfig, ${detections.text}, ${query(q)}, ${`StartSel=${START}, StopSel=${STOP}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "`})`;
const rank = (q: string) => sql<number>`ts_rank(${detections.searchVector}, ${query(q)})`.mapWith(Number);

/** Regions of one document whose text matches, in page and reading order. */
export async function searchDocument(db: Db, documentId: string, q: string, limit = 200): Promise<SearchHit[]> {
  const rows = await db
    .select({
      pageNumber: pages.pageNumber,
      label: detections.label,
      x1: detections.x1,
      y1: detections.y1,
      x2: detections.x2,
      y2: detections.y2,
      order: detections.readingOrder,
      rank: rank(q),
      headline: headline(q),
    })
    .from(detections)
    .innerJoin(pages, eq(pages.id, detections.pageId))
    .where(and(eq(detections.documentId, documentId), eq(detections.runNumber, 1), sql`${detections.searchVector} @@ ${query(q)}`))
    .orderBy(pages.pageNumber, sql`${detections.readingOrder} asc nulls last`)
    .limit(limit);
  return rows.map((r) => ({
    pageNumber: r.pageNumber,
    label: r.label,
    box: [r.x1, r.y1, r.x2, r.y2],
    order: r.order,
    rank: r.rank,
    snippet: snippetParts(r.headline),
  }));
}

export type DocumentHits = { documentId: string; filename: string; rank: number; pages: { pageNumber: number; snippet: SnippetPart[] }[] };

/** Across all documents: the best-matching documents first, each with its matching pages and a snippet per page. */
export async function searchAll(db: Db, q: string, opts: { documents?: number; pagesPerDocument?: number } = {}): Promise<DocumentHits[]> {
  const limitDocs = opts.documents ?? 20;
  const limitPages = opts.pagesPerDocument ?? 5;
  // Best region per page first, then the best pages of the best documents.
  const best = db
    .selectDistinctOn([detections.pageId], {
      documentId: detections.documentId,
      pageId: detections.pageId,
      rank: rank(q).as("rank"),
      headline: headline(q).as("headline"),
    })
    .from(detections)
    .where(and(eq(detections.runNumber, 1), sql`${detections.searchVector} @@ ${query(q)}`))
    .orderBy(detections.pageId, desc(rank(q)))
    .as("best");
  const rows = await db
    .select({
      documentId: best.documentId,
      filename: documents.filename,
      pageNumber: pages.pageNumber,
      rank: sql<number>`${best.rank}`.mapWith(Number),
      docRank: sql<number>`sum(${best.rank}) over (partition by ${best.documentId})`.mapWith(Number),
      headline: sql<string>`${best.headline}`,
    })
    .from(best)
    .innerJoin(pages, eq(pages.id, best.pageId))
    .innerJoin(documents, eq(documents.id, best.documentId))
    .orderBy(sql`5 desc`, best.documentId, pages.pageNumber)
    .limit(limitDocs * limitPages * 4);
  const byDoc = new Map<string, DocumentHits>();
  for (const r of rows) {
    let hit = byDoc.get(r.documentId);
    if (!hit) {
      if (byDoc.size >= limitDocs) continue;
      hit = { documentId: r.documentId, filename: r.filename, rank: r.docRank, pages: [] };
      byDoc.set(r.documentId, hit);
    }
    if (hit.pages.length < limitPages) hit.pages.push({ pageNumber: r.pageNumber, snippet: snippetParts(r.headline) });
  }
  return [...byDoc.values()];
}
