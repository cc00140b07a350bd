import type { InferenceSession, Tensor } from "onnxruntime-node";

/**
 * Where each Detectron2 output sits. Exports name them differently (`pred_boxes` from TracingAdapter
 * with named outputs, `boxes.35`, `value.3`… from export_model.py), so position decides, never names.
 */
export type ContractLayout = {
  inputName: string;
  /** Output names in session order; `outputs[layout.boxes]` etc. index into these. */
  outputNames: string[];
  boxes: number;
  classes: number;
  /** Mask R-CNN exports only: float32 [N,1,S,S] box-relative probabilities (S = 28 for the standard head). */
  masks: number | null;
  scores: number;
  imageSize: number;
  /** Set when the graph declares a fixed input size (export_model.py exports do): feed exactly this. */
  staticInput: { width: number; height: number } | null;
  /** False when the graph's metadata left some output shape out: the outputs are then checked on every run. */
  shapesKnown: boolean;
  /** The inputs and outputs as found, e.g. "input `x.1` float32 [3,1035,800]; outputs `boxes.35` float32 [N,4], …". */
  summary: string;
};

export class ModelContractError extends Error {
  override name = "ModelContractError";
}

type Dim = number | string;
type Spec = { role: string; type: "float32" | "int64"; shape: (Dim | null)[] };

// null: any size; a string: a named free dimension (only for the message).
const BOXES: Spec = { role: "boxes", type: "float32", shape: ["N", 4] };
const CLASSES: Spec = { role: "classes", type: "int64", shape: ["N"] };
const MASKS: Spec = { role: "masks", type: "float32", shape: ["N", 1, "S", "S"] };
const SCORES: Spec = { role: "scores", type: "float32", shape: ["N"] };
const IMAGE_SIZE: Spec = { role: "image_size", type: "int64", shape: [2] };
const WITHOUT_MASKS = [BOXES, CLASSES, SCORES, IMAGE_SIZE];
const WITH_MASKS = [BOXES, CLASSES, MASKS, SCORES, IMAGE_SIZE];

const fmtShape = (shape: readonly (Dim | null)[]) => `[${shape.map((d) => d ?? "?").join(",")}]`;
const fmtSpec = (s: Spec) => `${s.role} ${s.type} ${fmtShape(s.shape)}`;
const fmtValue = (m: InferenceSession.ValueMetadata) =>
  m.isTensor ? `\`${m.name}\` ${m.type} ${m.shape.length ? fmtShape(m.shape) : "[shape not declared]"}` : `\`${m.name}\` (not a tensor)`;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

const EXPECTED_INPUT = "1 input of float32 [3,H,W] (BGR, channels first, no batch dimension)";
const EXPECTED_OUTPUTS =
  `4 outputs (${WITHOUT_MASKS.map(fmtSpec).join(", ")}) ` + `or 5 (${WITH_MASKS.map(fmtSpec).join(", ")}), in that order`;

/** A declared dimension fits when it is free (a string), or equals the expected fixed size. */
const dimFits = (dim: Dim | undefined, want: Dim | null) => typeof dim === "string" || typeof want !== "number" || dim === want;

/** Declared metadata against a spec; an empty shape (not declared) fits and is checked at run time. */
function metaFits(m: InferenceSession.ValueMetadata | undefined, spec: Spec): boolean {
  if (!m || !m.isTensor || m.type !== spec.type) return false;
  if (m.shape.length === 0) return true;
  return m.shape.length === spec.shape.length && spec.shape.every((want, i) => dimFits(m.shape[i], want));
}

/**
 * Checks a session's metadata against the Detectron2 TracingAdapter contract, by position, dtype and
 * shape: one float32 [3,H,W] input; outputs boxes float32 [N,4], classes int64 [N], (masks float32
 * [N,1,S,S],) scores float32 [N], image_size int64 [2]. Throws a ModelContractError saying what was
 * expected and what was found.
 */
export function checkContract(inputs: readonly InferenceSession.ValueMetadata[], outputs: readonly InferenceSession.ValueMetadata[]): ContractLayout {
  const foundInputs = `${plural(inputs.length, "input")} ${inputs.map(fmtValue).join(", ")}`.trim();
  const foundOutputs = `${plural(outputs.length, "output")} ${outputs.map(fmtValue).join(", ")}`.trim();
  const refuse = (expected: string, found: string): never => {
    throw new ModelContractError(`Not a Detectron2 ONNX export: expected ${expected}, found ${found}`);
  };

  const input = inputs[0];
  if (inputs.length !== 1 || !input || !metaFits(input, { role: "image", type: "float32", shape: [3, "H", "W"] })) {
    refuse(EXPECTED_INPUT, foundInputs);
  }
  const inputShape = input!.isTensor ? input!.shape : [];
  const [h, w] = [inputShape[1], inputShape[2]];
  if ((typeof h === "number") !== (typeof w === "number")) {
    refuse(`${EXPECTED_INPUT} with both H and W fixed or both free`, foundInputs);
  }

  if (outputs.length !== 4 && outputs.length !== 5) refuse(EXPECTED_OUTPUTS, foundOutputs);
  const specs = outputs.length === 5 ? WITH_MASKS : WITHOUT_MASKS;
  specs.forEach((spec, i) => {
    const m = outputs[i];
    if (!metaFits(m, spec)) refuse(`output ${i} to be ${fmtSpec(spec)} (${EXPECTED_OUTPUTS})`, `${m ? fmtValue(m) : "nothing"} (${foundOutputs})`);
  });

  const at =
    specs === WITH_MASKS
      ? { boxes: 0, classes: 1, masks: 2, scores: 3, imageSize: 4 }
      : { boxes: 0, classes: 1, masks: null, scores: 2, imageSize: 3 };
  return {
    inputName: input!.name,
    outputNames: outputs.map((o) => o.name),
    ...at,
    staticInput: typeof h === "number" && typeof w === "number" ? { width: w, height: h } : null,
    shapesKnown: [input!, ...outputs].every((m) => m.isTensor && m.shape.length > 0),
    summary: `input ${fmtValue(input!)}; outputs ${outputs.map(fmtValue).join(", ")}`,
  };
}

/**
 * The outputs of one run against the contract: dtypes, ranks, fixed sizes and one N for all
 * per-detection outputs. Cheap, so it runs on every page, which also covers graphs whose metadata
 * did not declare shapes.
 */
export function checkOutputs(outputs: readonly (Tensor | undefined)[], layout: ContractLayout): void {
  const specs = layout.masks === null ? WITHOUT_MASKS : WITH_MASKS;
  let n: number | undefined;
  specs.forEach((spec, i) => {
    const t = outputs[i];
    const dims = t?.dims ?? [];
    const fits =
      !!t &&
      t.type === spec.type &&
      dims.length === spec.shape.length &&
      spec.shape.every((want, k) => typeof want !== "number" || dims[k] === want) &&
      (spec !== MASKS || (dims[2]! > 0 && dims[2] === dims[3])) &&
      (spec === IMAGE_SIZE || n === undefined || dims[0] === n);
    if (!fits) {
      const found = t ? `${t.type} [${dims.join(",")}]` : "nothing";
      throw new ModelContractError(
        `Model output ${i} (\`${layout.outputNames[i] ?? "?"}\`) does not fit the Detectron2 contract: expected ${fmtSpec(spec)}` +
          `${n !== undefined && spec !== IMAGE_SIZE ? ` with N = ${n}` : ""}, found ${found}`,
      );
    }
    if (spec !== IMAGE_SIZE) n ??= dims[0];
  });
}
