import { describe, expect, it } from "vitest";
import { assignText } from "../worker/text/assign";
import type { TextRun } from "../worker/text/runs";
import type { DetectionRow, Document, Page } from "../db/schema";
import { toMarkdown, toPlainText } from "./export-text";

const PAGE = { widthPt: 612, heightPt: 792 };
const doc = { id: "d1", filename: "t.pdf", modelId: "baseline-heuristic", modelName: "Heuristic baseline", modelKind: "heuristic" } as Document;
const page = { id: 1, documentId: "d1", pageNumber: 1, status: "done", unassignedText: null } as Page;
const det = (label: string, order: number, text: string | null, box = [0.1, 0.1, 0.9, 0.2]): DetectionRow =>
  ({ id: order, pageId: 1, documentId: "d1", classIndex: 0, label, score: 0.9, x1: box[0], y1: box[1], x2: box[2], y2: box[3], polygon: null, text, textSource: "pdf", ocrConfidence: null, readingOrder: order }) as DetectionRow;

/** A run of 10-pt text at (x, y) in points, its width from its length. */
const run = (text: string, x: number, y: number): TextRun => ({ text, box: [x / 612, y / 792, (x + text.length * 5) / 612, (y + 10) / 792], eol: false });

describe("Markdown and text export", () => {
  it("a table whose runs line up in columns becomes a Markdown table; its cells come from the runs' positions", () => {
    const runs = [run("Name", 100, 100), run("Size", 250, 100), run("Unit", 400, 100), run("alpha beta", 100, 115), run("12", 250, 115), run("kg", 400, 115)];
    const { texts } = assignText(runs, [{ label: "Table", box: [0.1, 0.1, 0.9, 0.2] }], PAGE);
    expect(texts[0]).toBe("Name\tSize\tUnit\nalpha beta\t12\tkg");
    const md = toMarkdown(doc, [page], [det("Table", 0, texts[0]!)]);
    expect(md).toContain("| Name | Size | Unit |\n| --- | --- | --- |\n| alpha beta | 12 | kg |");
  });

  it("a table whose rows do not split evenly stays preformatted; regions come in reading order", () => {
    const md = toMarkdown(doc, [page], [det("Text", 1, "Second *paragraph*."), det("Table", 2, "a\tb\nc"), det("Title", 0, "Heading")]);
    const blocks = md.split("\n\n");
    expect(blocks.slice(2)).toEqual(["# Heading", "Second \\*paragraph\\*.", "```\na    b\nc\n```\n"]);
    expect(toPlainText([page], [det("Text", 1, "two"), det("Title", 0, "one")])).toBe("one\n\ntwo\n");
  });
});
