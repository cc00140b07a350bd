import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { blankPage, buildPdf, standardLayoutPage } from "../../scripts/fixtures/test-pdf";
import type { Renderer } from "../render/renderer";
import { AppError } from "../../lib/errors";
import type { ContractLayout } from "./contract";
import type { ModelManifest } from "./manifest";
import { renderPolicy } from "./policy";
import { loadModel, type SessionTuning } from "./session";

export type ProbeReport = {
  contract: ContractLayout;
  /** The size the generated letter page was fed at. */
  inputSize: { width: number; height: number };
  /** Detections on the generated layout page and on the blank page. */
  detections: { layout: number; blank: number };
  /** Inference time of the layout page: the first run and the median of the following ones. */
  firstMs: number;
  msPerPage: number;
  /** Resident memory of this process (MiB) before the session was created, and its peak (VmHWM) after the runs. */
  rssBeforeMib: number | null;
  peakMib: number | null;
};

/** VmRSS / VmHWM of this process in MiB (Linux); null elsewhere. */
export function processMemoryMib(field: "VmRSS" | "VmHWM"): number | null {
  try {
    const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync("/proc/self/status", "utf8"))?.[1];
    return kb ? Math.round(Number(kb) / 1024) : null;
  } catch {
    return null;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Loads a model as the worker does (contract check included) and runs it on a generated letter page
 * and a blank page, rendered and preprocessed by the worker's own renderer. Any failure is an AppError
 * `model_refused` saying what went wrong.
 */
export async function probeModel(opts: { onnxPath: string; manifest: ModelManifest; renderer: Renderer; runs?: number; tuning?: SessionTuning }): Promise<ProbeReport> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "pagewise-probe-"));
  const rssBeforeMib = processMemoryMib("VmRSS");
  let model: Awaited<ReturnType<typeof loadModel>>;
  try {
    model = await loadModel({ dir: path.dirname(opts.onnxPath), manifest: opts.manifest, onnxPath: opts.onnxPath }, opts.tuning);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw new AppError("model_refused", error instanceof Error ? error.message : String(error), `Refused: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    const pdfPath = path.join(dir, "probe.pdf");
    await writeFile(pdfPath, buildPdf([standardLayoutPage(), blankPage()]));
    await opts.renderer.open(pdfPath);
    const runPage = async (pageNumber: number, what: string) => {
      const page = await opts.renderer.render({ pdfPath, pageNumber, resize: renderPolicy(model), inputFormat: opts.manifest.inputFormat, imageFormat: "png" });
      try {
        const result = await model.run(page.modelInput, page.modelWidth, page.modelHeight, { width: page.imageWidth, height: page.imageHeight });
        return { ...result, inputSize: { width: page.modelWidth, height: page.modelHeight } };
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new AppError("model_refused", `model failed on ${what}: ${reason}`, `Refused: the model failed on ${what} (${reason})`);
      }
    };
    const first = await runPage(1, "a generated page with text");
    const blank = await runPage(2, "a blank page");
    const times: number[] = [];
    for (let i = 0; i < (opts.runs ?? 2); i++) times.push((await runPage(1, "a generated page with text")).inferMs);
    return {
      contract: model.contract,
      inputSize: first.inputSize,
      detections: { layout: first.detections.length, blank: blank.detections.length },
      firstMs: Math.round(first.inferMs),
      msPerPage: Math.round(times.length ? median(times) : first.inferMs),
      rssBeforeMib,
      peakMib: processMemoryMib("VmHWM"),
    };
  } finally {
    await model.release();
    await rm(dir, { recursive: true, force: true });
  }
}
