import type { InferenceSession } from "onnxruntime-node";

/** Where each Detectron2 output sits; exports name them differently (`pred_boxes`, `boxes.35`…), so position decides. */
export type ContractLayout = {
  inputName: string;
  outputNames: string[];
  boxes: number;
  classes: number;
  masks: number | null;
  scores: number;
  imageSize: number;
  /** Set when the graph declares a fixed input size (export_model.py exports do): feed exactly this. */
  staticInput: { width: number; height: number } | null;
};

const describe = (m: InferenceSession.ValueMetadata) =>
  m.isTensor ? `\`${m.name}\` ${m.type} [${m.shape.join(",")}]` : `\`${m.name}\` (not a tensor)`;

const fits = (m: InferenceSession.ValueMetadata | undefined, type: string, rank: number, fixed: Record<number, number> = {}) =>
  !!m &&
  m.isTensor &&
  m.type === type &&
  (m.shape.length === 0 || m.shape.length === rank) && // an empty shape means the graph did not say
  Object.entries(fixed).every(([i, size]) => {
    const dim = m.shape[Number(i)];
    return dim === undefined || typeof dim === "string" || dim === size;
  });

export class ModelContractError extends Error {
  override name = "ModelContractError";
}

/**
 * Checks a session against the Detectron2 TracingAdapter contract: one float32 [3,H,W] input, and
 * outputs boxes float32 [N,4], classes int64 [N], (masks float32 [N,1,28,28],) scores float32 [N],
 * image size int64 [2], in that order.
 */
export function checkContract(inputs: readonly InferenceSession.ValueMetadata[], outputs: readonly InferenceSession.ValueMetadata[]): ContractLayout {
  const expected =
    "expected 1 input float32 [3,H,W] (BGR, channels first, no batch) and outputs boxes float32 [N,4], classes int64 [N], " +
    "optional masks float32 [N,1,28,28], scores float32 [N], image_size int64 [2]";
  const found = `found ${inputs.length} input(s) ${inputs.map(describe).join(", ")} and ${outputs.length} output(s) ${outputs.map(describe).join(", ")}`;
  const refuse = (why: string): never => {
    throw new ModelContractError(`Not a Detectron2 ONNX export (${why}): ${expected}; ${found}`);
  };

  const input = inputs[0];
  if (inputs.length !== 1 || !fits(input, "float32", 3, { 0: 3 })) refuse("input");
  const withMasks = outputs.length === 5;
  if (outputs.length !== 4 && !withMasks) refuse("number of outputs");
  const at = withMasks ? { boxes: 0, classes: 1, masks: 2, scores: 3, imageSize: 4 } : { boxes: 0, classes: 1, masks: null, scores: 2, imageSize: 3 };
  if (!fits(outputs[at.boxes], "float32", 2, { 1: 4 })) refuse("boxes");
  if (!fits(outputs[at.classes], "int64", 1)) refuse("classes");
  if (at.masks !== null && !fits(outputs[at.masks], "float32", 4, { 1: 1, 2: 28, 3: 28 })) refuse("masks");
  if (!fits(outputs[at.scores], "float32", 1)) refuse("scores");
  if (!fits(outputs[at.imageSize], "int64", 1, { 0: 2 })) refuse("image_size");

  const shape = input!.isTensor ? input!.shape : [];
  const [h, w] = [shape[1], shape[2]];
  return {
    inputName: input!.name,
    outputNames: outputs.map((o) => o.name),
    ...at,
    staticInput: typeof h === "number" && typeof w === "number" && h > 0 && w > 0 ? { width: w, height: h } : null,
  };
}
