import type { OnnxGraph } from "./onnx-reader";

export type ClassCount = { classes: number; evidence: string } | { classes: null; evidence: string };

/**
 * How many classes a Detectron2 graph can emit, from its box predictor: `cls_score` is Linear(D, K+1)
 * (K classes and background) and `bbox_pred` Linear(D, 4K), both fed the same D-wide box-head feature.
 * Exported, a Linear is a Gemm with a [out, in] weight or a MatMul with [in, out]; names are not
 * reliable (the tracer renames some), so the pair is found by shape. Null when no single K fits
 * (class-agnostic box regression, or a graph of another make).
 */
export function classCount(graph: OnnxGraph): ClassCount {
  const consumers = new Map<string, Set<string>>();
  for (const node of graph.nodes) for (const input of node.inputs) (consumers.get(input) ?? consumers.set(input, new Set()).get(input)!).add(node.op);
  const linears: { name: string; out: number; in: number }[] = [];
  for (const init of graph.initializers) {
    if (init.dims.length !== 2) continue;
    const ops = consumers.get(init.name);
    const [a, b] = init.dims as [number, number];
    if (ops?.has("Gemm")) linears.push({ name: init.name, out: a, in: b });
    else if (ops?.has("MatMul")) linears.push({ name: init.name, out: b, in: a });
  }
  const found = new Map<number, string>();
  for (const cls of linears) {
    const k = cls.out - 1;
    if (k < 1) continue;
    const box = linears.find((l) => l !== cls && l.in === cls.in && l.out === 4 * k);
    if (box) found.set(k, `box predictor \`${cls.name}\` [${cls.out} = ${k} classes + background] and \`${box.name}\` [${box.out} = 4 x ${k}], both ${cls.in} wide`);
  }
  if (found.size === 1) {
    const [[classes, evidence]] = [...found] as [[number, string]];
    return { classes, evidence };
  }
  return {
    classes: null,
    evidence: found.size ? `several box-predictor candidates (${[...found.keys()].join(", ")} classes)` : "no Detectron2 box predictor (class logits + 4 x classes box deltas) found",
  };
}
