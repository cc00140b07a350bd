/**
 * OCR of page regions with tesseract.js (Tesseract's LSTM recogniser compiled to WebAssembly), fully
 * offline: the recogniser's core and worker script load from node_modules, the language data from the
 * @tesseract.js-data/<lang> package (`langPath` a local folder), and nothing is cached on disk
 * (`cacheMethod: "none"`, else tesseract.js would write the data into the working folder).
 * Each region is cropped from the page image with white padding and read as one block of text (PSM 6):
 * whole-page segmentation splits columns badly.
 */
import { createCanvas, loadImage, type Image } from "@napi-rs/canvas";
import { createRequire } from "node:module";
import path from "node:path";
import { createWorker, OEM, PSM, type Worker } from "tesseract.js";
import { AppError } from "../../lib/errors";

const require = createRequire(import.meta.url);
/** White border around each crop: Tesseract reads text touching the image edge badly. */
export const CROP_PADDING_PX = 16;

/** The local folder of a language's data (the integer-quantised "best" LSTM model, about 3 MB for English). */
export function languageDataDir(lang: string): string {
  try {
    return path.join(path.dirname(require.resolve(`@tesseract.js-data/${lang}/package.json`)), "4.0.0_best_int");
  } catch {
    throw new AppError("ocr_language_missing", `@tesseract.js-data/${lang} is not installed`, `OCR language data for "${lang}" is not installed (npm install @tesseract.js-data/${lang}).`);
  }
}

export type OcrRegion = { box: [number, number, number, number] };
export type OcrResult = { text: string; confidence: number };

export type Recognizer = {
  /** Reads each region (normalised box) of a page image (PNG/JPEG/WebP bytes); one result per region. */
  readRegions(image: Uint8Array, regions: OcrRegion[]): Promise<OcrResult[]>;
  close(): Promise<void>;
};

/** One tesseract.js worker, created on first use and kept; `close` ends it. */
export function createRecognizer(opts: { lang: string }): Recognizer {
  let worker: Promise<Worker> | null = null;
  const start = async () => {
    const w = await createWorker(opts.lang, OEM.LSTM_ONLY, {
      langPath: languageDataDir(opts.lang),
      cacheMethod: "none",
      gzip: true,
    });
    await w.setParameters({ tessedit_pageseg_mode: PSM.SINGLE_BLOCK, preserve_interword_spaces: "0" });
    return w;
  };
  return {
    async readRegions(bytes, regions) {
      worker ??= start();
      const mine = worker;
      mine.catch(() => worker === mine && (worker = null));
      const w = await mine;
      const image = await loadImage(Buffer.from(bytes));
      const out: OcrResult[] = [];
      for (const region of regions) {
        // Closed meanwhile (a page's time limit): a terminated tesseract.js worker must not be called again.
        if (worker !== mine) throw new Error("the recogniser was closed");
        out.push(await readOne(w, image, region.box));
      }
      return out;
    },
    async close() {
      const w = worker;
      worker = null;
      if (w) await (await w.catch(() => null))?.terminate();
    },
  };
}

async function readOne(worker: Worker, image: Image, box: OcrRegion["box"]): Promise<OcrResult> {
  const sx = Math.max(0, Math.floor(box[0] * image.width));
  const sy = Math.max(0, Math.floor(box[1] * image.height));
  const sw = Math.min(image.width, Math.ceil(box[2] * image.width)) - sx;
  const sh = Math.min(image.height, Math.ceil(box[3] * image.height)) - sy;
  if (sw < 4 || sh < 4) return { text: "", confidence: 0 };
  const canvas = createCanvas(sw + 2 * CROP_PADDING_PX, sh + 2 * CROP_PADDING_PX);
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(image, sx, sy, sw, sh, CROP_PADDING_PX, CROP_PADDING_PX, sw, sh);
  const { data } = await worker.recognize(await canvas.encode("png"));
  return { text: data.text, confidence: Math.max(0, Math.min(1, data.confidence / 100)) };
}
