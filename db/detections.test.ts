import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { testContext } from "../scripts/test/context";
import { insertDetections } from "./detections";
import { detections, documents, pages, type NewDetection } from "./schema";
import { searchDocument } from "./search";

/** Real Postgres: the JSON insert must store exactly what drizzle's own multi-row insert stores. */
const ctx = testContext();
afterAll(() => ctx.close());

async function page() {
  const id = randomUUID();
  await ctx.db.insert(documents).values({ id, filename: "d.pdf", sizeBytes: 1, objectKey: `k/${id}`, status: "done", pageCount: 1 });
  const [row] = await ctx.db.insert(pages).values({ documentId: id, pageNumber: 1, status: "done" }).returning();
  return row!;
}

const boxes = (pageId: number, documentId: string): NewDetection[] => [
  { pageId, documentId, classIndex: 0, label: "Text", score: 0.123456789, x1: 0.1, y1: 0.2, x2: 0.9, y2: 0.3, text: "It's \"quoted\", naïve — and\nsplit", textSource: "pdf", readingOrder: 1 },
  { pageId, documentId, classIndex: 4, label: "Figure", score: 1, x1: 0, y1: 0.5, x2: 1, y2: 1, polygon: [[0, 0.5], [1, 0.5], [1, 1]], text: null, readingOrder: 0 },
  { pageId, documentId, classIndex: 2, label: "Title", score: 0.5, x1: 0.2, y1: 0.05, x2: 0.8, y2: 0.1, text: "Recognised", textSource: "ocr", ocrConfidence: 0.87 },
];

const stored = async (pageId: number) =>
  (await ctx.db.select().from(detections).where(eq(detections.pageId, pageId))).map(({ id: _id, pageId: _p, documentId: _d, searchVector: _s, ...rest }) => rest).sort((a, b) => a.classIndex - b.classIndex);

describe("insertDetections", () => {
  it("stores the same values, nulls and defaults as drizzle's insert", async () => {
    const [a, b] = [await page(), await page()];
    await ctx.db.insert(detections).values(boxes(a.id, a.documentId));
    await insertDetections(ctx.db, boxes(b.id, b.documentId));
    const [viaDrizzle, viaJson] = [await stored(a.id), await stored(b.id)];
    expect(viaJson).toEqual(viaDrizzle);
    expect(viaJson.map((d) => d.runNumber)).toEqual([1, 1, 1]); // the column's default
    expect(viaJson[1]!.polygon).toBeNull(); // a JSON null is SQL NULL, not jsonb 'null'
    const nulls = await ctx.sql<{ n: number }[]>`select count(*)::int n from detections where page_id = ${b.id} and polygon is null`;
    expect(nulls[0]!.n).toBe(2);
    expect(viaJson.find((d) => d.label === "Figure")!.polygon).toEqual([[0, 0.5], [1, 0.5], [1, 1]]);
  });

  it("sets a column the rows give instead of its default, and does nothing for no rows", async () => {
    const p = await page();
    await insertDetections(ctx.db, []);
    await insertDetections(ctx.db, boxes(p.id, p.documentId).map((d) => ({ ...d, runNumber: 3 })));
    expect((await stored(p.id)).map((d) => d.runNumber)).toEqual([3, 3, 3]);
  });

  it("fills the generated search column", async () => {
    const p = await page();
    await insertDetections(ctx.db, boxes(p.id, p.documentId));
    const hits = await searchDocument(ctx.db, p.documentId, "recognised");
    expect(hits.map((h) => h.label)).toEqual(["Title"]);
  });
});
