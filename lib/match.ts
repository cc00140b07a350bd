/**
 * Agreement between two runs over the same pages (a reference and a candidate, e.g. fp32 and int8 of one
 * model): boxes of the same class matched greedily by candidate score, F1 at two IoU thresholds, mean IoU
 * and score error of the matches, per class.
 */
import { z } from "zod";
import { iou, type BoxTuple } from "./iou";

export type ScoredBox = { box: BoxTuple; classIndex: number; score: number };
export type PagePair = { reference: ScoredBox[]; candidate: ScoredBox[] };
export type Match = { reference: number; candidate: number; iou: number };

/** Greedy matching: candidates by descending score, each takes the unmatched reference of its class with the highest IoU >= minIou. */
export function matchBoxes(reference: readonly ScoredBox[], candidate: readonly ScoredBox[], minIou: number): Match[] {
  const taken = new Set<number>();
  const order = candidate.map((_, i) => i).sort((a, b) => candidate[b]!.score - candidate[a]!.score);
  const matches: Match[] = [];
  for (const c of order) {
    let best = -1;
    let bestIou = minIou;
    reference.forEach((r, i) => {
      if (taken.has(i) || r.classIndex !== candidate[c]!.classIndex) return;
      const v = iou(r.box, candidate[c]!.box);
      if (v >= bestIou) [best, bestIou] = [i, v];
    });
    if (best >= 0) {
      taken.add(best);
      matches.push({ reference: best, candidate: c, iou: bestIou });
    }
  }
  return matches;
}

const f1 = (matched: number, reference: number, candidate: number) => (reference + candidate === 0 ? 1 : (2 * matched) / (reference + candidate));

export const agreementSchema = z.object({
  pages: z.number().int(),
  referenceBoxes: z.number().int(),
  candidateBoxes: z.number().int(),
  f1At50: z.number(),
  f1At75: z.number(),
  /** Over the matches at IoU >= 0.5; null without matches. */
  meanIou: z.number().nullable(),
  meanAbsScoreError: z.number().nullable(),
  perClass: z.array(
    z.object({ label: z.string(), referenceBoxes: z.number().int(), candidateBoxes: z.number().int(), f1At50: z.number(), f1At75: z.number() }),
  ),
});
export type Agreement = z.infer<typeof agreementSchema>;

export function compareRuns(pages: readonly PagePair[], labels: readonly string[]): Agreement {
  const classes = new Map<number, { ref: number; cand: number; m50: number; m75: number }>();
  const cls = (k: number) => {
    let c = classes.get(k);
    if (!c) classes.set(k, (c = { ref: 0, cand: 0, m50: 0, m75: 0 }));
    return c;
  };
  let [ref, cand, m50, m75, iouSum, scoreErr] = [0, 0, 0, 0, 0, 0];
  for (const page of pages) {
    ref += page.reference.length;
    cand += page.candidate.length;
    for (const b of page.reference) cls(b.classIndex).ref++;
    for (const b of page.candidate) cls(b.classIndex).cand++;
    const at50 = matchBoxes(page.reference, page.candidate, 0.5);
    for (const m of at50) {
      m50++;
      cls(page.reference[m.reference]!.classIndex).m50++;
      iouSum += m.iou;
      scoreErr += Math.abs(page.reference[m.reference]!.score - page.candidate[m.candidate]!.score);
    }
    for (const m of matchBoxes(page.reference, page.candidate, 0.75)) {
      m75++;
      cls(page.reference[m.reference]!.classIndex).m75++;
    }
  }
  return {
    pages: pages.length,
    referenceBoxes: ref,
    candidateBoxes: cand,
    f1At50: f1(m50, ref, cand),
    f1At75: f1(m75, ref, cand),
    meanIou: m50 ? iouSum / m50 : null,
    meanAbsScoreError: m50 ? scoreErr / m50 : null,
    perClass: [...classes]
      .sort(([a], [b]) => a - b)
      .map(([k, c]) => ({ label: labels[k] ?? `class ${k}`, referenceBoxes: c.ref, candidateBoxes: c.cand, f1At50: f1(c.m50, c.ref, c.cand), f1At75: f1(c.m75, c.ref, c.cand) })),
  };
}
