import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blockTexts, buildPdf, paperPage, displayedInkBoxes, displayedSize, type PageSpec } from "../../scripts/fixtures/test-pdf";
import { createRenderer } from "../render/renderer";
import { assignText, joinLines } from "./assign";
import { readingOrder } from "./reading-order";
import { judgeTextLayer } from "./runs";

/** Real pdf.js in the real render thread; the regions are where the fixture drew each block (known boxes). */
const renderer = createRenderer({ timeoutMs: 30_000, maxPixels: 4_000_000 });
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "pagewise-text-"));
});
afterAll(async () => {
  await renderer.close();
  await rm(dir, { recursive: true, force: true });
});

const LABELS = { title: "Title", text: "Text", list: "List", figure: "Figure" } as const;

const twoColumns = () => paperPage();

async function readPage(spec: PageSpec) {
  const file = path.join(dir, `p-${Math.random().toString(36).slice(2)}.pdf`);
  await writeFile(file, buildPdf([spec]));
  const page = await renderer.render({ pdfPath: file, pageNumber: 1, resize: { type: "shortest-edge", shortestEdge: 800, maxSize: 1333 }, inputFormat: "BGR", imageFormat: "png" });
  const size = displayedSize(spec);
  const pad = 3; // a detector's box is never tight to the ink
  const regions = displayedInkBoxes(spec).map((b, i) => ({
    label: LABELS[spec.blocks![i]!.kind],
    box: [(b.x1 - pad) / size.width, (b.y1 - pad) / size.height, (b.x2 + pad) / size.width, (b.y2 + pad) / size.height] as [number, number, number, number],
  }));
  return { page, regions, size: { widthPt: size.width, heightPt: size.height } };
}

/** Characters of `expected` found in `actual` in order (longest common subsequence), as a fraction. */
function recovered(expected: string, actual: string): number {
  const a = [...expected];
  const b = [...actual];
  let prev = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const row = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) row[j] = a[i - 1] === b[j - 1] ? prev[j - 1]! + 1 : Math.max(prev[j]!, row[j - 1]!);
    prev = row;
  }
  return a.length ? prev[b.length]! / a.length : 1;
}

describe("text layer into regions", () => {
  it("recovers >= 99 % of each block's characters into its own region, hyphenation rejoined, in column order", async () => {
    const spec = twoColumns();
    const { page, regions, size } = await readPage(spec);
    expect(page.text).not.toBeNull();
    expect(judgeTextLayer(page.text!.stats).usable).toBe(true);
    const { texts, unassigned } = assignText(page.text!.runs, regions, size);
    const expected = blockTexts(spec);
    let total = 0;
    let found = 0;
    expected.forEach((want, i) => {
      const got = texts[i] ?? "";
      total += want.length;
      found += recovered(want, got) * want.length;
      if (want) expect(got).toBe(want);
    });
    expect(found / total).toBeGreaterThanOrEqual(0.99);
    expect(unassigned).toBe("");
    // The hyphenated words came back whole: no line-end hyphen survives.
    expect(texts[1]).not.toMatch(/-/);
    expect(expected[1]).not.toMatch(/-/);

    // Left column (paragraph, list) before the right one (paragraph, figure, paragraph).
    const order = readingOrder(regions.map((r) => r.box), size);
    const sequence = order.map((rank, i) => [rank, i]).sort((a, b) => a[0]! - b[0]!).map(([, i]) => i);
    expect(sequence).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it("keeps runs outside every region as the page's unassigned text", async () => {
    const spec = twoColumns();
    const { page, regions, size } = await readPage(spec);
    const { texts, unassigned } = assignText(page.text!.runs, regions.slice(0, 1), size);
    expect(texts[0]).toBe(blockTexts(spec)[0]);
    expect(unassigned).toContain(blockTexts(spec)[2]!.split(" ").slice(0, 4).join(" "));
  });

  it("a run goes to the smallest region that holds most of it (a paragraph inside a larger box)", async () => {
    const spec = twoColumns();
    const { page, regions, size } = await readPage(spec);
    const whole: (typeof regions)[number] = { label: "Text", box: [0, 0, 1, 1] };
    const { texts } = assignText(page.text!.runs, [whole, regions[2]!], size);
    expect(texts[1]).toBe(blockTexts(spec)[2]);
    // Every other character went to the page-sized box, none of the paragraph's twice.
    const chars = (s: string | null | undefined) => (s ?? "").replace(/[\s-]/g, "").length;
    const all = blockTexts(spec).reduce((n, t) => n + chars(t), 0);
    expect(chars(texts[0])).toBe(all - chars(blockTexts(spec)[2]));
  });

  it("unfolds ligatures and rejoins soft-hyphenated words", () => {
    expect(joinLines(["the ﬁrst ﬂoor is exam-", "ple text"]).normalize("NFKC")).toBe("the first floor is example text");
    expect(joinLines(["well-", "Known"])).toBe("well- Known");
  });
});

describe("reading order", () => {
  it("reads aligned columns column by column, and a running header and footer last", () => {
    const size = { widthPt: 612, heightPt: 792 };
    const n = (x1: number, y1: number, x2: number, y2: number) => [x1 / 612, y1 / 792, x2 / 612, y2 / 792] as [number, number, number, number];
    const boxes = [
      n(72, 20, 540, 32), // running header
      n(324, 100, 540, 300), // right column, top
      n(72, 100, 288, 300), // left column, top
      n(72, 320, 288, 500), // left column, bottom (gap at the same height as the right one's)
      n(324, 320, 540, 500), // right column, bottom
      n(290, 760, 320, 772), // page number
    ];
    expect(readingOrder(boxes, size)).toEqual([4, 2, 0, 1, 3, 5]);
  });
});

describe("judging a text layer", () => {
  // pdf.js (5+) itself keeps only the glyphs inside the page; our off-page count is a second line of defence.
  it("text running off the visible page (real pdf.js): only what is on the page arrives, its box on the page", async () => {
    const spec: PageSpec = { width: 612, height: 792, blocks: [{ kind: "figure", x: 72, y: 72, width: 200, height: 100 }], extraContent: "BT /F1 10 Tf 590 400 Td (words that run far past the right edge of this page) Tj ET" };
    const { page } = await readPage(spec);
    expect(page.text!.runs.map((r) => r.text)).toEqual(["words"]);
    const [x1, y1, x2, y2] = page.text!.runs[0]!.box;
    expect(x1).toBeCloseTo(590 / 612, 2);
    expect(y1).toBeGreaterThan(0);
    expect(y2).toBeCloseTo((792 - 400 + 2) / 792, 1);
    expect(x2).toBeGreaterThan(x1);
  });

  it("finds garbage, off-page and invisible text layers, and pages without one", () => {
    const ok = { chars: 100, badChars: 0, offPageChars: 0, inklessChars: 0 };
    expect(judgeTextLayer(ok).usable).toBe(true);
    expect(judgeTextLayer({ ...ok, chars: 0 }).state).toBe("none");
    expect(judgeTextLayer({ ...ok, badChars: 60 }).state).toBe("unusable");
    expect(judgeTextLayer({ ...ok, offPageChars: 300 }).state).toBe("unusable");
    expect(judgeTextLayer({ ...ok, inklessChars: 90 }).state).toBe("unusable");
  });
});
