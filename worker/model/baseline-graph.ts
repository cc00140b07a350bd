/**
 * The heuristic baseline: an ONNX graph, generated here, that follows the Detectron2 TracingAdapter
 * contract (input `image` float32 [3,H,W] BGR 0..255; outputs pred_boxes, pred_classes, scores,
 * image_size) but contains no learned weights. It is NOT a trained layout model.
 *
 * Method (a two-level XY cut on dilated ink, all in standard ONNX ops):
 * 1. ink = gray < 200; dilate with a max-pool of (2*RY+1) x (2*RX+1) so the lines of a paragraph
 *    and the words of a line merge, while paragraphs (gaps > ~7 pt) and columns (> ~16 pt) stay apart.
 * 2. Rows holding dilated ink form horizontal bands; within each band, columns holding ink form
 *    segments; each segment's rows are found again inside it; the box is shrunk back by the dilation.
 * 3. Class from measurements of the undilated ink in the box: dense (> 45 % ink) is a Figure, a single
 *    line at least ~14 pt tall is a Title, anything else Text. List and Table are never predicted.
 * 4. Score: 0.55 + 0.44 x (ink density for figures, share of rows with ink for text), a coverage
 *    measure, not a probability. Sorted descending like Detectron2's output.
 */
import { DataType, encodeModel, GraphBuilder } from "./onnx-writer";

const INK_LEVEL = 200;
const RY = 4;
const RX = 10;
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
  const int = (x: string) => g.op("Cast", [x], { to: I });
  const between = (idxRow: string, lo: string, hi: string) =>
    float(g.op("And", [g.op("GreaterOrEqual", [idxRow, g.op("Unsqueeze", [lo, axes(1)])]), g.op("LessOrEqual", [idxRow, g.op("Unsqueeze", [hi, axes(1)])])]));

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
  const ink = float(g.op("Less", [gray, f(INK_LEVEL)])); // [H,W]
  const pooled = g.op("MaxPool", [g.op("Unsqueeze", [ink, axes(0, 1)])], {
    kernel_shape: [2 * RY + 1, 2 * RX + 1],
    pads: [RY, RX, RY, RX],
    strides: [1, 1],
  });
  const D = g.op("Squeeze", [pooled, axes(0, 1)]); // [H,W]

  // 2. bands of rows, then segments of columns inside each band
  const rowsWithInk = g.op("ReduceMax", [D], { axes: [1], keepdims: 0 }); // [H]
  const bandRuns = runs(rowsWithInk, 0);
  const bandStart = g.op("Squeeze", [g.op("NonZero", [bandRuns.starts]), axes(0)]); // [K]
  const bandEnd = g.op("Squeeze", [g.op("NonZero", [bandRuns.ends]), axes(0)]);
  const bandRows = between(rowIdx, bandStart, bandEnd); // [K,H]
  const bandCols = float(g.op("Greater", [g.op("MatMul", [bandRows, D]), f(0)])); // [K,W]
  const segRuns = runs(bandCols, 1);
  const segStart = g.op("NonZero", [segRuns.starts]); // [2,S]: band, column
  const segEnd = g.op("NonZero", [segRuns.ends]);
  const segBand = g.op("Gather", [segStart, i(0)], { axis: 0 });
  const xs = g.op("Gather", [segStart, i(1)], { axis: 0 });
  const xe = g.op("Gather", [segEnd, i(1)], { axis: 0 });
  const segCols = between(colIdx, xs, xe); // [S,W]
  const segRowsDilated = g.op("Transpose", [g.op("MatMul", [D, g.op("Transpose", [segCols], { perm: [1, 0] })])], { perm: [1, 0] });
  const segRowMask = float(g.op("Greater", [g.op("Mul", [segRowsDilated, g.op("Gather", [bandRows, segBand], { axis: 0 })]), f(0)]));
  const ys = g.op("ArgMax", [segRowMask], { axis: 1, keepdims: 0 });
  const ye = g.op("ArgMax", [segRowMask], { axis: 1, keepdims: 0, select_last_index: 1 });

  // shrink by the dilation radius: inclusive dilated extents -> exclusive tight pixel box
  const x1i = g.op("Add", [xs, i(RX)]);
  const x2i = g.op("Add", [xe, i(1 - RX)]);
  const y1i = g.op("Add", [ys, i(RY)]);
  const y2i = g.op("Add", [ye, i(1 - RY)]);

  // 3. measurements of the undilated ink inside each box
  const rowSel = float(g.op("And", [g.op("GreaterOrEqual", [rowIdx, g.op("Unsqueeze", [y1i, axes(1)])]), g.op("Less", [rowIdx, g.op("Unsqueeze", [y2i, axes(1)])])])); // [S,H]
  const colSel = float(g.op("And", [g.op("GreaterOrEqual", [colIdx, g.op("Unsqueeze", [x1i, axes(1)])]), g.op("Less", [colIdx, g.op("Unsqueeze", [x2i, axes(1)])])])); // [S,W]
  const inkCount = g.op("ReduceSum", [g.op("Mul", [g.op("MatMul", [rowSel, ink]), colSel]), axes(1)], { keepdims: 0 });
  const [x1, x2, y1, y2] = [x1i, x2i, y1i, y2i].map(float) as [string, string, string, string];
  const width = g.op("Sub", [x2, x1]);
  const height = g.op("Sub", [y2, y1]);
  const density = g.op("Div", [inkCount, g.op("Max", [g.op("Mul", [width, height]), f(1)])]);
  const inkRows = float(g.op("Greater", [g.op("Mul", [g.op("Transpose", [g.op("MatMul", [ink, g.op("Transpose", [colSel], { perm: [1, 0] })])], { perm: [1, 0] }), rowSel]), f(0)])); // [S,H]
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

  // drop specks, sort by score like Detectron2
  const keep = g.op("And", [g.op("GreaterOrEqual", [width, f(MIN_SIDE)]), g.op("GreaterOrEqual", [height, f(MIN_SIDE)])]);
  const boxes = g.op("Concat", [x1, y1, x2, y2].map((v) => g.op("Unsqueeze", [v, axes(1)])), { axis: 1 });
  const keptBoxes = g.op("Compress", [boxes, keep], { axis: 0 });
  const keptScores = g.op("Compress", [score, keep], { axis: 0 });
  const keptClasses = g.op("Compress", [classes, keep], { axis: 0 });
  const [sortedScores, order] = g.opN("TopK", [keptScores, g.op("Shape", [keptScores])], { axis: 0, largest: 1, sorted: 1 }, 2) as [string, string];

  const out = (op: string, input: string, name: string) => g.nodes.push({ op, inputs: [input], outputs: [name] });
  out("Identity", g.op("Gather", [keptBoxes, order], { axis: 0 }), "pred_boxes");
  out("Identity", g.op("Gather", [keptClasses, order], { axis: 0 }), "pred_classes");
  out("Identity", sortedScores, "scores");
  g.nodes.push({ op: "Slice", inputs: [shape, g.const([1]), g.const([3]), g.const([0])], outputs: ["image_size"] });

  return encodeModel({
    name: "pagewise-heuristic-baseline",
    producer: "pagewise",
    opset: 17,
    docString: "Heuristic ink-block detector in the Detectron2 ONNX contract. Not a trained model.",
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
