/** Messages between the renderer (main thread) and its render thread. */
import type { ResizePolicy } from "../model/policy";
import type { PageText } from "../text/runs";

export type RenderRequest = {
  pdfPath: string;
  /** 1-based. */
  pageNumber: number;
  resize: ResizePolicy;
  inputFormat: "BGR" | "RGB";
  imageFormat: "webp" | "png" | "jpeg";
  /**
   * Width in pixels of the image stored for the viewer, drawn apart from the model input. Absent, or not
   * wider than the model's render: the model's render is the image.
   */
  displayWidth?: number;
};

export type RenderedPage = {
  pageNumber: number;
  /** Page size in points as displayed (crop box, rotation applied). */
  widthPt: number;
  heightPt: number;
  /** The page's /Rotate, normalised to 0, 90, 180 or 270. */
  rotation: number;
  /** The rendered image, as stored for the viewer. */
  imageWidth: number;
  imageHeight: number;
  image: Uint8Array;
  /**
   * CHW bytes, 0..255, in the model's channel order and input size: a quarter of the float32 tensor the session
   * is fed (LoadedModel.run widens it), so a page waiting for inference holds 2.5 MB instead of 10 at 800x1035.
   */
  modelInput: Uint8Array;
  modelWidth: number;
  modelHeight: number;
  /** Opening (if not cached), drawing and reading back the pixels. */
  renderMs: number;
  /** Image encoding, with the model input built alongside. */
  encodeMs: number;
  /** Drawing the viewer's image at its own size (0 when the model's render is the image). */
  displayMs: number;
  /** The viewer's image is the model's drawing played back larger (an all-vector page), not drawn again. */
  displayReplayed: boolean;
  /** The page's text layer, read in the same document load; null when pdf.js could not read it. */
  text: PageText | null;
};

export type ThreadRequest =
  | { id: number; type: "open"; pdfPath: string }
  | { id: number; type: "render"; request: RenderRequest; maxPixels: number };

/** `code` is an AppError code, or "io_error" for a local file problem (not the user's fault: retried). */
export type ThreadError = { code: string; message: string; userMessage: string };

export type ThreadResponse =
  /** `format`: what was opened; a TIFF's pages are its frames. */
  | { id: number; ok: true; pageCount: number; format: "pdf" | "image" | "tiff" }
  | { id: number; ok: true; page: RenderedPage }
  | { id: number; ok: false; error: ThreadError };

/** Sent once by a thread when pdf.js is loaded and it takes requests. */
export type ThreadReady = { ready: true };
