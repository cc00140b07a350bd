import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { documentDetections, getDocument, listPages } from "../../db/documents";
import { toDetectionsJson } from "../../lib/export";
import { readDetectionsJson } from "../../lib/export-schema";
import { toMarkdown, toPlainText } from "../../lib/export-text";
import { createLogger } from "../../lib/logger";
import { createEventHub } from "../../lib/server/event-hub";
import { documentEventStream } from "../../lib/server/stream";
import { sseReader } from "../../scripts/test/sse";
import { blockTexts, buildPdf, displayedInkBoxes, invisibleTextPage, paperPage } from "../../scripts/fixtures/test-pdf";
import { testContext, uploadPdf, waitForDocument } from "../../scripts/test/context";
import { iou } from "../../lib/iou";
import { startWorker, type StartedWorker } from "../start";

/**
 * Text end to end: the real worker (heuristic baseline model, so the regions are its own, not the fixture's),
 * pdf.js's text layer, Postgres; then the exports built from what was stored.
 */
const ctx = testContext({ QUEUE_SCHEMA: "q_content", WORKER_CONCURRENCY: "1" });
let worker: StartedWorker;
let documentId: string;

beforeAll(async () => {
  await ctx.queue();
  worker = await startWorker({ env: ctx.env, logger: createLogger("test-content") });
  const queued = await uploadPdf(ctx, buildPdf([paperPage(), invisibleTextPage()]), "paper.pdf");
  documentId = queued.id;
  await waitForDocument(ctx, documentId);
});
afterAll(async () => {
  await worker?.stop();
  await ctx.close();
});

async function stored() {
  const doc = (await getDocument(ctx.db, documentId))!;
  const [pages, detections] = await Promise.all([listPages(ctx.db, documentId), documentDetections(ctx.db, documentId)]);
  return { doc, pages, detections };
}

describe("region text through the pipeline", () => {
  it("stores each block's text with the detection that covers it (>= 99 % of characters), in column order", async () => {
    const { doc, pages, detections } = await stored();
    expect(doc.status).toBe("done");
    const spec = paperPage();
    const expected = blockTexts(spec);
    const onPage = detections.filter((d) => d.pageId === pages[0]!.id);
    expect(pages[0]!.textLayer).toBe("ok");
    let want = 0;
    let got = 0;
    const ranks: number[] = [];
    displayedInkBoxes(spec).forEach((ink, i) => {
      const box = [ink.x1 / 612, ink.y1 / 792, ink.x2 / 612, ink.y2 / 792] as const;
      const match = onPage.reduce((best, d) => (iou([d.x1, d.y1, d.x2, d.y2], box) > iou([best.x1, best.y1, best.x2, best.y2], box) ? d : best));
      ranks.push(match.readingOrder!);
      if (!expected[i]) return;
      want += expected[i]!.length;
      if (match.text === expected[i]) got += expected[i]!.length;
      expect(match.textSource).toBe("pdf");
    });
    expect(got / want).toBeGreaterThanOrEqual(0.99);
    // Title, paragraph, left column (paragraph, list), right column (paragraph, figure, paragraph).
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(new Set(ranks).size).toBe(ranks.length);
  });

  it("a page whose text is invisible keeps its boxes, gets no text from it and says it needs OCR", async () => {
    const { pages, detections } = await stored();
    const page = pages[1]!;
    expect(page).toMatchObject({ status: "done", textLayer: "unusable" });
    expect(page.note).toMatch(/invisible.*needs OCR/);
    const onPage = detections.filter((d) => d.pageId === page.id);
    expect(onPage.length).toBeGreaterThan(0);
    expect(onPage.every((d) => d.text === null)).toBe(true);
  });

  it("Markdown: the title is a heading, paragraphs in column order, the list as list items, the figure as an image link", async () => {
    const { doc, pages, detections } = await stored();
    const md = toMarkdown(doc, pages, detections);
    const t = blockTexts(paperPage());
    expect(md).toContain(`# ${t[0]}\n`);
    expect(md).toContain("regions by ");
    // Words repeat across blocks (one word cycle), so blocks are found whole, not as substrings.
    const blocks = md.split("\n\n");
    const list = t[3]!.split("\n").map((item) => `- ${item.slice(2)}`).join("\n");
    const positions = [`# ${t[0]}`, t[1], t[2], list, t[4], "![Figure on page 1", t[6]].map((s) => blocks.findIndex((b) => b === s || b.startsWith("![") && b.startsWith(s!)));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(md).toMatch(new RegExp(`\\]\\(/api/documents/${doc.id}/pages/1/image#xywh=percent:`));

    const paragraphs = toPlainText(pages, detections).split("\n\n");
    expect(paragraphs.indexOf(t[2]!)).toBeGreaterThanOrEqual(0);
    expect(paragraphs.indexOf(t[2]!)).toBeLessThan(paragraphs.indexOf(t[4]!));
  });

  it("page events of the stream carry each region's text and reading order", async () => {
    const hub = createEventHub(ctx.sql);
    const abort = new AbortController();
    // From event 0: the whole history is replayed, page events included, then the stream ends with the document.
    const frames = sseReader(documentEventStream({ db: ctx.db, hub }, documentId, 0, abort.signal));
    const pageEvents = [];
    for (let f = await frames.next(); f; f = await frames.next()) if (f.event.type === "page" && f.event.page.status === "done") pageEvents.push(f.event.page);
    const first = pageEvents.find((p) => p.pageNumber === 1)!;
    expect(first.detections?.find((d) => d.label === "Title")).toMatchObject({ text: blockTexts(paperPage())[0], textSource: "pdf", order: 0 });
    expect(first.textLayer).toBe("ok");
    abort.abort();
  });

  it("JSON v2 carries text, source, order; a v1 file stays readable", async () => {
    const { doc, pages, detections } = await stored();
    const v2 = readDetectionsJson(JSON.parse(JSON.stringify(toDetectionsJson(doc, pages, detections))));
    expect(v2.schema).toBe("pagewise.detections/v2");
    const first = v2.pages[0]!.detections;
    expect(first.map((d) => d.order)).toEqual(first.map((_, i) => i));
    expect(first[0]).toMatchObject({ label: "Title", text: blockTexts(paperPage())[0], textSource: "pdf", ocrConfidence: null });

    const v1 = {
      schema: "pagewise.detections/v1",
      document: { id: "d", filename: "old.pdf", status: "done", pageCount: 1 },
      model: { id: "m", name: "m", version: "1", kind: "onnx" },
      pages: [{ pageNumber: 1, status: "done", widthPt: 612, heightPt: 792, note: null, detections: [{ label: "Text", classIndex: 0, score: 0.9, box: { x1: 0, y1: 0, x2: 1, y2: 1 }, boxPt: null, polygon: null }] }],
    };
    expect(readDetectionsJson(v1).pages[0]!.detections[0]).toMatchObject({ label: "Text", text: null, order: null });
  });
});
