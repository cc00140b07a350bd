/**
 * The heuristic baseline: an ONNX graph, generated here, that follows the Detectron2 TracingAdapter
 * contract (input `image` float32 [3,H,W] BGR 0..255; outputs pred_boxes, pred_classes, scores,
 * image_size) but contains no learned weights. It is NOT a trained layout model.
 *
 * Method (a recursive XY cut of depth 5 on dilated ink, all in standard opset-17 ops):
 * 1. ink = gray < 200 (gray = mean of the three channels), minus isolated pixels (no dark pixel among
 *    their 8 neighbours: scan dust; strokes of real ink always have some); dilate it with a max-pool of
 *    (2*RY+1) x (2*RX+1) px. At the 800 px short edge (~1.31 px/pt on US letter) the lines of a
 *    paragraph (ink gaps of ~3-5 pt) and the words of a line merge; vertical gaps above ~6 pt
 *    (paragraphs ~12 pt apart) and horizontal gaps above ~15 pt (columns ~30 pt apart) stay apart.
 * 2. Start with the whole page as one block and cut it five times, alternating rows and columns
 *    (Y X Y X Y): at each level, the dilated-ink profile of every block along the cut axis is a
 *    MatMul of the block's mask on the other axis with the dilated ink; its runs of non-zero cells
 *    (shifted comparison + NonZero) become the child blocks. This separates bands, columns, the
 *    paragraphs and figures stacked inside a column, and side-by-side blocks inside those.
 * 3. Each block's box is the bounding box of the undilated ink inside it (first/last ArgMax of its row
 *    and column ink profiles), so boxes are tight to the ink and lie inside the image.
 * 4. Class from that ink: dense (> 45 % of the box is ink) is a Figure; a single line of text at least
 *    18 px (~14 pt) tall is a Title; anything else is Text. List and Table are never predicted.
 * 5. Score: 0.55 + 0.44 x (ink density for figures, share of the box's rows holding ink for text), a
 *    coverage measure in [0.55, 0.99], not a probability. Blocks under 4 px a side are dropped (specks),
 *    the rest sorted by score, descending, like Detectron2's output. A blank page gives N = 0.
 */
import { DataType, encodeModel, GraphBuilder } from "./onnx-writer";

const INK_LEVEL = 200;
const RY = 4;
const RX = 10;
const CUTS = ["rows", "cols", "rows", "cols", "rows"] as const;
const FIGURE_DENSITY = 0.45;
const TITLE_MIN_HEIGHT = 18;
const MIN_SIDE = 4;

export const BASELINE_LABELS = ["Text", "Title", "List", "Table", "Figure"];

/**
 * `failOnBlank` builds a test double of a known real failure: the public PubLayNet export raises (a
 * ReduceMax error) on pages without ink. Here the scores depend on the first ink pixel's row, which
 * onnxruntime cannot produce when there is none, so a blank page raises at run time.
 */
export function buildBaselineModel(opts: { failOnBlank?: boolean } = {}): Uint8Array {
  const g = new GraphBuilder();
  const F = DataType.FLOAT;
  const I = DataType.INT64;
  const f = (v: number) => g.scalar(v, F);
  const i = (v: number) => g.scalar(v, I);
  const axes = (...a: number[]) => g.const(a);
  const float = (x: string) => g.op("Cast", [x], { to: F });
  const T = (x: string) => g.op("Transpose", [x], { perm: [1, 0] });
  const row = (v: string) => g.op("Unsqueeze", [v, axes(1)]); // [B] -> [B,1]
  const pick = (x: string, k: string) => g.op("Gather", [x, k], { axis: 0 });
  /** [B,L] 0/1 mask of idx (a [1,L] range) within the inclusive ranges lo..hi ([B] each). */
  const within = (idx: string, lo: string, hi: string) =>
    float(g.op("And", [g.op("GreaterOrEqual", [idx, row(lo)]), g.op("LessOrEqual", [idx, row(hi)])]));
  const positive = (x: string) => float(g.op("Greater", [x, f(0)]));

  /** Starts (1 where a run of ones begins) and ends (where it ends) along the last axis of a 0/1 float tensor. */
  const runs = (x: string, axis: number) => {
    const zero = g.op("Mul", [g.op("Slice", [x, g.const([0]), g.const([1]), g.const([axis])]), f(0)]);
    const prev = g.op("Concat", [zero, g.op("Slice", [x, g.const([0]), g.const([-1]), g.const([axis])])], { axis });
    const next = g.op("Concat", [g.op("Slice", [x, g.const([1]), g.const([2 ** 31 - 1]), g.const([axis])]), zero], { axis });
    return {
      starts: g.op("Mul", [x, g.op("Sub", [f(1), prev])]),
      ends: g.op("Mul", [x, g.op("Sub", [f(1), next])]),
    };
  };

  const shape = g.op("Shape", ["image"]);
  const H = g.op("Gather", [shape, i(1)], { axis: 0 });
  const W = g.op("Gather", [shape, i(2)], { axis: 0 });
  const rowIdx = g.op("Unsqueeze", [g.op("Range", [i(0), H, i(1)]), axes(0)]); // [1,H]
  const colIdx = g.op("Unsqueeze", [g.op("Range", [i(0), W, i(1)]), axes(0)]); // [1,W]

  // 1. ink and its dilation
  const gray = g.op("ReduceMean", ["image"], { axes: [0], keepdims: 0 });
  const dark = float(g.op("Less", [gray, f(INK_LEVEL)])); // [H,W]
  const dark4 = g.op("Unsqueeze", [dark, axes(0, 1)]); // [1,1,H,W]
  // despeckle: keep dark pixels with at least one dark neighbour (strokes always have some; scan dust often not)
  const around = g.op("AveragePool", [dark4], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1], count_include_pad: 1 });
  const ink4 = g.op("Mul", [dark4, float(g.op("Greater", [around, f(1.5 / 9)]))]);
  const ink = g.op("Squeeze", [ink4, axes(0, 1)]); // [H,W]
  const pooled = g.op("MaxPool", [ink4], {
    kernel_shape: [2 * RY + 1, 2 * RX + 1],
    pads: [RY, RX, RY, RX],
    strides: [1, 1],
  });
  const D = g.op("Squeeze", [pooled, axes(0, 1)]); // [H,W]
  const DT = T(D); // [W,H]
  const inkT = T(ink);

  // 2. recursive XY cut; a block is four [B] int64 vectors of inclusive extents
  const last = (n: string) => g.op("Reshape", [g.op("Sub", [n, i(1)]), g.const([1])]);
  let b = { y1: g.const([0]), y2: last(H), x1: g.const([0]), x2: last(W) };
  for (const axis of CUTS) {
    const rowsOf = within(rowIdx, b.y1, b.y2); // [B,H]
    const colsOf = within(colIdx, b.x1, b.x2); // [B,W]
    const profile =
      axis === "rows"
        ? g.op("Mul", [g.op("MatMul", [colsOf, DT]), rowsOf]) // [B,H]: dilated ink per row of each block
        : g.op("Mul", [g.op("MatMul", [rowsOf, D]), colsOf]); // [B,W]
    const r = runs(positive(profile), 1);
    const starts = g.op("NonZero", [r.starts]); // [2,B']: parent block, position (row-major, so pairs with ends)
    const ends = g.op("NonZero", [r.ends]);
    const parent = pick(starts, i(0));
    const lo = pick(starts, i(1));
    const hi = pick(ends, i(1));
    b =
      axis === "rows"
        ? { y1: lo, y2: hi, x1: pick(b.x1, parent), x2: pick(b.x2, parent) }
        : { y1: pick(b.y1, parent), y2: pick(b.y2, parent), x1: lo, x2: hi };
  }

  // 3. tight box from the undilated ink of each block
  const rowsOf = within(rowIdx, b.y1, b.y2);
  const colsOf = within(colIdx, b.x1, b.x2);
  const inkRows = positive(g.op("Mul", [g.op("MatMul", [colsOf, inkT]), rowsOf])); // [B,H]
  const inkColCounts = g.op("Mul", [g.op("MatMul", [rowsOf, ink]), colsOf]); // [B,W]
  const inkCols = positive(inkColCounts);
  const first = (m: string) => float(g.op("ArgMax", [m], { axis: 1, keepdims: 0 }));
  const lastOne = (m: string) => g.op("Add", [float(g.op("ArgMax", [m], { axis: 1, keepdims: 0, select_last_index: 1 })), f(1)]);
  const [x1, y1, x2, y2] = [first(inkCols), first(inkRows), lastOne(inkCols), lastOne(inkRows)] as const;
  const width = g.op("Sub", [x2, x1]);
  const height = g.op("Sub", [y2, y1]);

  // 4-5. class and score
  const inkCount = g.op("ReduceSum", [inkColCounts, axes(1)], { keepdims: 0 });
  const density = g.op("Div", [inkCount, g.op("Max", [g.op("Mul", [width, height]), f(1)])]);
  const rowsCount = g.op("ReduceSum", [inkRows, axes(1)], { keepdims: 0 });
  const lineCount = g.op("ReduceSum", [runs(inkRows, 1).starts, axes(1)], { keepdims: 0 });
  const isFigure = g.op("Greater", [density, f(FIGURE_DENSITY)]);
  const isTitle = g.op("And", [g.op("Equal", [lineCount, f(1)]), g.op("GreaterOrEqual", [height, f(TITLE_MIN_HEIGHT)])]);
  const classes = g.op("Where", [isFigure, i(4), g.op("Where", [isTitle, i(1), i(0)])]);
  const coverage = g.op("Where", [isFigure, density, g.op("Div", [rowsCount, g.op("Max", [height, f(1)])])]);
  let score = g.op("Add", [f(0.55), g.op("Mul", [f(0.44), g.op("Clip", [coverage, f(0), f(1)])])]);
  if (opts.failOnBlank) {
    const firstInkRow = g.op("Slice", [g.op("Gather", [g.op("NonZero", [ink]), i(0)], { axis: 0 }), g.const([0]), g.const([1]), g.const([0])]);
    const guard = g.op("Reshape", [float(firstInkRow), g.const([])]); // an empty tensor cannot become a scalar
    score = g.op("Add", [score, g.op("Mul", [guard, f(0)])]);
  }

  // drop specks (and blocks the dilation reached without ink), sort by score like Detectron2
  const keep = g.op("And", [
    g.op("And", [g.op("GreaterOrEqual", [width, f(MIN_SIDE)]), g.op("GreaterOrEqual", [height, f(MIN_SIDE)])]),
    g.op("Greater", [inkCount, f(0)]),
  ]);
  const boxes = g.op("Concat", [x1, y1, x2, y2].map(row), { axis: 1 });
  const keptBoxes = g.op("Compress", [boxes, keep], { axis: 0 });
  const keptScores = g.op("Compress", [score, keep], { axis: 0 });
  const keptClasses = g.op("Compress", [classes, keep], { axis: 0 });
  const [sortedScores, order] = g.opN("TopK", [keptScores, g.op("Shape", [keptScores])], { axis: 0, largest: 1, sorted: 1 }, 2) as [string, string];

  const out = (input: string, name: string) => g.nodes.push({ op: "Identity", inputs: [input], outputs: [name] });
  out(pick(keptBoxes, order), "pred_boxes");
  out(pick(keptClasses, order), "pred_classes");
  out(sortedScores, "scores");
  g.nodes.push({ op: "Slice", inputs: [shape, g.const([1]), g.const([3]), g.const([0])], outputs: ["image_size"] });

  return encodeModel({
    name: "pagewise-heuristic-baseline",
    producer: "pagewise",
    opset: 17,
    docString: "Heuristic ink-block detector (recursive XY cut) in the Detectron2 ONNX contract. Not a trained model.",
    nodes: g.nodes,
    initializers: g.initializers,
    inputs: [{ name: "image", dataType: F, shape: [3, "height", "width"] }],
    outputs: [
      { name: "pred_boxes", dataType: F, shape: ["N", 4] },
      { name: "pred_classes", dataType: I, shape: ["N"] },
      { name: "scores", dataType: F, shape: ["N"] },
      { name: "image_size", dataType: I, shape: [2] },
    ],
  });
}
