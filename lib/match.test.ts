import { describe, expect, it } from "vitest";
import { compareRuns, matchBoxes, type ScoredBox } from "./match";

const b = (x1: number, y1: number, x2: number, y2: number, classIndex = 0, score = 0.9): ScoredBox => ({ box: [x1, y1, x2, y2], classIndex, score });

describe("run agreement", () => {
  it("matches same-class boxes greedily by candidate score, one reference each", () => {
    const ref = [b(0, 0, 10, 10), b(20, 0, 30, 10)];
    // The higher-scored candidate takes the reference it overlaps best; the second may not take it again.
    const cand = [b(0, 0, 10, 9, 0, 0.5), b(0, 0, 10, 10, 0, 0.8)];
    expect(matchBoxes(ref, cand, 0.5)).toEqual([{ reference: 0, candidate: 1, iou: 1 }]);
    expect(matchBoxes(ref, [b(0, 0, 10, 10, 1)], 0.5)).toEqual([]);
  });

  it("reports F1 at 0.5 and 0.75, mean IoU, score error and per class", () => {
    const pages = [
      { reference: [b(0, 0, 10, 10, 0, 0.9), b(50, 50, 60, 60, 1, 0.7)], candidate: [b(0, 0, 10, 10, 0, 0.8), b(50, 50, 60, 66, 1, 0.7)] },
      { reference: [b(0, 0, 10, 10, 0, 0.9)], candidate: [] },
    ];
    const r = compareRuns(pages, ["Text", "Title"]);
    expect(r).toMatchObject({ pages: 2, referenceBoxes: 3, candidateBoxes: 2 });
    expect(r.f1At50).toBeCloseTo((2 * 2) / 5);
    expect(r.f1At75).toBeCloseTo((2 * 1) / 5);
    expect(r.meanIou).toBeCloseTo((1 + 100 / 160) / 2);
    expect(r.meanAbsScoreError).toBeCloseTo(0.05);
    expect(r.perClass).toEqual([
      { label: "Text", referenceBoxes: 2, candidateBoxes: 1, f1At50: 2 / 3, f1At75: 2 / 3 },
      { label: "Title", referenceBoxes: 1, candidateBoxes: 1, f1At50: 1, f1At75: 0 },
    ]);
  });
});
