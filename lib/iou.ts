export type BoxTuple = readonly [number, number, number, number];

/** Intersection over union of two x1, y1, x2, y2 boxes. */
export function iou(a: BoxTuple, b: BoxTuple): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const area = (r: BoxTuple) => (r[2] - r[0]) * (r[3] - r[1]);
  return inter / (area(a) + area(b) - inter);
}
