import { describe, expect, it } from "vitest";
import type { DetectionRow, Document, Page } from "../db/schema";
import { toCoco } from "./export";

const page = { id: 7, pageNumber: 1, status: "done", imageWidth: 800, imageHeight: 1000, widthPt: 612, heightPt: 765 } as Page;
const detection = (classIndex: number, label: string): DetectionRow =>
  ({ id: classIndex, pageId: 7, classIndex, label, score: 0.9, x1: 0.1, y1: 0.2, x2: 0.5, y2: 0.3, polygon: null }) as DetectionRow;
const doc = (modelLabels: string[] | null) => ({ id: "d", filename: "a.pdf", modelId: "m", modelVersion: "1", modelLabels }) as Document;

describe("COCO export", () => {
  it("names categories from the document's model, ids = class index + 1, including classes never detected", () => {
    const coco = toCoco(doc(["Paragraph", "Heading", "Caption"]), [page], [detection(1, "Heading")]);
    expect(coco.categories).toEqual([
      { id: 1, name: "Paragraph" },
      { id: 2, name: "Heading" },
      { id: 3, name: "Caption" },
    ]);
    expect(coco.annotations).toEqual([
      expect.objectContaining({ image_id: 1, category_id: 2, bbox: [80, 200, 320, 100], area: 32000, score: 0.9 }),
    ]);
  });

  it("without a stored label map (documents from before), uses the classes the detections have", () => {
    const coco = toCoco(doc(null), [page], [detection(3, "Table"), detection(0, "Text")]);
    expect(coco.categories).toEqual([
      { id: 4, name: "Table" },
      { id: 1, name: "Text" },
    ]);
    expect(coco.annotations.map((a) => a.category_id)).toEqual([4, 1]);
  });
});
