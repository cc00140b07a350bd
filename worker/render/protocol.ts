import type { ResizePolicy } from "../model/policy";

export type RenderRequest = {
  pdfPath: string;
  pageNumber: number;
  resize: ResizePolicy;
  inputFormat: "BGR" | "RGB";
  imageFormat: "webp" | "png";
};

export type RenderedPage = {
  pageNumber: number;
  /** Page size in points as displayed (rotation and crop box applied). */
  widthPt: number;
  heightPt: number;
  rotation: number;
  /** The rendered image, as stored for the viewer. */
  imageWidth: number;
  imageHeight: number;
  image: Uint8Array;
  /** CHW float32, raw 0..255, in the model's channel order and input size. */
  modelInput: Float32Array;
  modelWidth: number;
  modelHeight: number;
  renderMs: number;
  encodeMs: number;
};

export type ThreadRequest =
  | { id: number; type: "open"; pdfPath: string }
  | { id: number; type: "render"; request: RenderRequest; maxPixels: number };

export type ThreadError = { code: string; message: string; userMessage: string };

export type ThreadResponse =
  | { id: number; ok: true; pageCount: number }
  | { id: number; ok: true; page: RenderedPage }
  | { id: number; ok: false; error: ThreadError };
