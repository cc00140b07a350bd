import { describe, expect, it } from "vitest";
import { runAgreement, type RunBox } from "./run-agreement";

const box = (label: string, score: number, x1: number, y1: number, x2: number, y2: number): RunBox => ({ label, score, box: [x1, y1, x2, y2] });

describe("runAgreement", () => {
  it("computes matched-box F1 at IoU 0.5 per page and over the document, classes by label", () => {
    const a = [box("Text", 0.9, 0, 0, 0.4, 0.1), box("Table", 0.8, 0, 0.5, 1, 1), box("Title", 0.7, 0, 0.2, 0.5, 0.3)];
    const result = runAgreement([
      // Page 1: identical boxes, class indexes differ between the models but the labels agree -> F1 1.
      { pageNumber: 1, a, b: a.map((d) => ({ ...d })) },
      // Page 2: Text shifted to IoU 0.6 (matches), Table shifted to IoU 1/3 (does not), Title labelled List (does not), one extra.
      {
        pageNumber: 2,
        a,
        b: [box("Text", 0.95, 0.1, 0, 0.5, 0.1), box("Table", 0.9, 0, 0.75, 1, 1.25), box("List", 0.6, 0, 0.2, 0.5, 0.3), box("Figure", 0.5, 0.6, 0.6, 0.9, 0.9)],
      },
      // Page 3: the second run found nothing -> F1 0. Page 4: neither found anything -> F1 1.
      { pageNumber: 3, a: a.slice(0, 2), b: [] },
      { pageNumber: 4, a: [], b: [] },
    ]);
    const byPage = Object.fromEntries(result.pages.map((p) => [p.pageNumber, p.f1At50]));
    expect(byPage[1]).toBe(1);
    // 1 match, 3 + 4 boxes: 2 * 1 / 7.
    expect(byPage[2]).toBeCloseTo(2 / 7, 12);
    expect(byPage[3]).toBe(0);
    expect(byPage[4]).toBe(1);
    // Over the document: 3 + 1 matches, 3+3+2 = 8 boxes of a, 3+4 = 7 of b.
    expect(result.f1At50).toBeCloseTo((2 * 4) / 15, 12);
    expect([result.aBoxes, result.bBoxes]).toEqual([8, 7]);
    expect(result.worstPages.map((p) => p.pageNumber)).toEqual([3, 2]);
  });

  it("lists at most the asked number of worst pages, lowest F1 first", () => {
    const one = [box("Text", 0.9, 0, 0, 0.5, 0.5)];
    const pages = [5, 3, 9, 1].map((n, i) => ({ pageNumber: n, a: one, b: i % 2 ? [] : one }));
    expect(runAgreement(pages, 1).worstPages).toEqual([{ pageNumber: 1, aBoxes: 1, bBoxes: 0, f1At50: 0 }]);
  });
});
