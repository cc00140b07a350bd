import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { testContext } from "../scripts/test/context";
import { detections, documents, pages } from "./schema";
import { searchAll, searchDocument, snippetParts } from "./search";

/** Real Postgres: the generated tsvector column, its GIN index, ts_headline. Seeded directly. */
const ctx = testContext();
afterAll(() => ctx.close());

async function seed(filename: string, pageTexts: string[][]) {
  const id = randomUUID();
  await ctx.db.insert(documents).values({ id, filename, sizeBytes: 1, objectKey: `k/${id}`, status: "done", pageCount: pageTexts.length });
  for (const [i, texts] of pageTexts.entries()) {
    const [page] = await ctx.db.insert(pages).values({ documentId: id, pageNumber: i + 1, status: "done" }).returning();
    if (texts.length) {
      await ctx.db.insert(detections).values(
        texts.map((text, order) => ({ pageId: page!.id, documentId: id, classIndex: 0, label: "Text", score: 0.9, x1: 0.1, y1: 0.1 + order * 0.2, x2: 0.9, y2: 0.2 + order * 0.2, text, textSource: "pdf" as const, readingOrder: order })),
      );
    }
  }
  return id;
}

const marker = `zyx${Date.now().toString(36)}`;

describe("full-text search", () => {
  it("finds the right document and page, stems words, and marks the match in the snippet", async () => {
    const a = await seed("a.pdf", [["An introduction to nothing."], ["Nothing here.", `The ${marker} measurements were repeated in three laboratories.`]]);
    const b = await seed("b.pdf", [[`One ${marker} measurement only.`]]);
    await seed("c.pdf", [["Unrelated text about laboratories."]]);

    const hits = await searchDocument(ctx.db, a, `${marker} measurement`);
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ pageNumber: 2, order: 1, label: "Text" });
    expect(hits[0]!.snippet.filter((p) => p.match).map((p) => p.text)).toEqual([marker, "measurements"]);

    const all = await searchAll(ctx.db, marker);
    expect(all.map((d) => d.documentId).sort()).toEqual([a, b].sort());
    expect(all.find((d) => d.documentId === a)!.pages.map((p) => p.pageNumber)).toEqual([2]);
    expect(await searchAll(ctx.db, `${marker} -measurement`)).toEqual([]);
  });

  it("uses the GIN index for the match", async () => {
    const plan = await ctx.sql.begin(async (tx) => {
      await tx`set local enable_seqscan = off`;
      return tx`explain select id from detections where search_vector @@ websearch_to_tsquery('english', 'anything')`;
    });
    expect(plan.map((r) => Object.values(r)[0]).join("\n")).toMatch(/detections_search_idx/);
  });

  it("snippet parts keep the document's own text as text, whatever it holds", () => {
    expect(snippetParts("a <b>\u0001x\u0002 c")).toEqual([
      { text: "a <b>", match: false },
      { text: "x", match: true },
      { text: " c", match: false },
    ]);
  });
});
