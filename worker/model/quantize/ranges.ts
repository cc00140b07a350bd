/** Activation ranges from calibration tensors, one page at a time (each tensor is read once and can be dropped). */
import type { Range } from "./qdq";

export type RangeMethod = "minmax" | "percentile";

const BINS = 2048;

type Acc = { min: number; max: number; lows: number[]; highs: number[] };

/**
 * `minmax`: the extremes over all pages. `percentile` (outlier-robust): per page, the `percentile` and
 * `100 - percentile` points of a 2048-bin histogram between that page's extremes, averaged over pages.
 */
export class RangeCollector {
  private readonly acc = new Map<string, Acc>();
  constructor(
    readonly method: RangeMethod,
    readonly percentile = 99.9,
  ) {}

  add(name: string, values: Float32Array): void {
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (!values.length) return;
    let a = this.acc.get(name);
    if (!a) this.acc.set(name, (a = { min, max, lows: [], highs: [] }));
    a.min = Math.min(a.min, min);
    a.max = Math.max(a.max, max);
    if (this.method !== "percentile") return;
    if (!(max > min)) {
      a.lows.push(min);
      a.highs.push(max);
      return;
    }
    const hist = new Float64Array(BINS);
    const k = BINS / (max - min);
    for (let i = 0; i < values.length; i++) hist[Math.min(BINS - 1, Math.floor((values[i]! - min) * k))]!++;
    const tail = (values.length * (100 - this.percentile)) / 100;
    let lowBin = 0;
    for (let seen = 0; lowBin < BINS && seen + hist[lowBin]! <= tail; lowBin++) seen += hist[lowBin]!;
    let highBin = BINS - 1;
    for (let seen = 0; highBin > 0 && seen + hist[highBin]! <= tail; highBin--) seen += hist[highBin]!;
    a.lows.push(min + lowBin / k);
    a.highs.push(min + (highBin + 1) / k);
  }

  ranges(): Map<string, Range> {
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    return new Map(
      [...this.acc].map(([name, a]) => [name, this.method === "percentile" && a.lows.length ? { lo: mean(a.lows), hi: mean(a.highs) } : { lo: a.min, hi: a.max }]),
    );
  }
}
