import { compareRuns, type ScoredBox } from "./match";

/** A box as the API gives it: normalised x1, y1, x2, y2 with its label and score. */
export type RunBox = { label: string; score: number; box: readonly [number, number, number, number] };

export type PageAgreement = { pageNumber: number; aBoxes: number; bBoxes: number; f1At50: number };
export type RunAgreement = { f1At50: number; aBoxes: number; bBoxes: number; pages: PageAgreement[]; worstPages: PageAgreement[] };

/**
 * Agreement of two runs page by page: matched-box F1 at IoU 0.5 exactly as the engine's fidelity report
 * computes it (lib/match.ts: greedy by the second run's scores, same class only). Two models have two label
 * maps, so a class is its label name: a "Table" of one run matches a "Table" of the other.
 */
export function runAgreement(pages: { pageNumber: number; a: RunBox[]; b: RunBox[] }[], worst = 5): RunAgreement {
  const classes = new Map<string, number>();
  const scored = (boxes: RunBox[]): ScoredBox[] =>
    boxes.map((d) => {
      if (!classes.has(d.label)) classes.set(d.label, classes.size);
      return { box: d.box, score: d.score, classIndex: classes.get(d.label)! };
    });
  const pairs = pages.map((p) => ({ pageNumber: p.pageNumber, reference: scored(p.a), candidate: scored(p.b) }));
  const labels = [...classes.keys()];
  const perPage = pairs.map((p) => {
    const r = compareRuns([p], labels);
    return { pageNumber: p.pageNumber, aBoxes: r.referenceBoxes, bBoxes: r.candidateBoxes, f1At50: r.f1At50 };
  });
  const all = compareRuns(pairs, labels);
  const worstPages = perPage
    .filter((p) => p.f1At50 < 1)
    .sort((x, y) => x.f1At50 - y.f1At50 || x.pageNumber - y.pageNumber)
    .slice(0, worst);
  return { f1At50: all.f1At50, aBoxes: all.referenceBoxes, bBoxes: all.candidateBoxes, pages: perPage, worstPages };
}
