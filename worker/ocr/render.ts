import type { RenderRequest } from "../render/protocol";

/** Pages are rendered for OCR at this resolution: small print needs more pixels than the layout model. */
export const OCR_DPI = 200;

/** The render request for OCR of a page of `widthPt` x `heightPt` (known from its detection pass). */
export function ocrRenderRequest(pdfPath: string, pageNumber: number, size: { widthPt: number; heightPt: number }, dpi = OCR_DPI): RenderRequest {
  const shortestEdge = Math.round((Math.min(size.widthPt, size.heightPt) / 72) * dpi);
  const maxSize = Math.round((Math.max(size.widthPt, size.heightPt) / 72) * dpi) + 1;
  return { pdfPath, pageNumber, resize: { type: "shortest-edge", shortestEdge, maxSize }, inputFormat: "RGB", imageFormat: "png" };
}
