import { describe, expect, it } from "vitest";
import { createUploadRequestSchema } from "./api-types";
import { normalisePageRange, pageRangeProblems, selectPages } from "./page-range";

describe("page selections", () => {
  it("are normalised: sorted, overlaps and neighbours merged, spaces dropped", () => {
    expect(normalisePageRange("1-5,8")).toBe("1-5,8");
    expect(normalisePageRange(" 8 , 2-3,1 - 2,4,10-10 ")).toBe("1-4,8,10");
  });

  it("name the pages of the file, and refuse pages the file does not have", () => {
    expect(selectPages("2-3,5", 6)).toEqual({ pages: [2, 3, 5] });
    expect(selectPages(null, 3)).toEqual({ pages: [1, 2, 3] });
    expect(selectPages("2,4-9", 3)).toEqual({ error: "The file has 3 pages; the selected pages 4-9 are not in it." });
  });

  it("explain what is wrong with an invalid selection", () => {
    expect(pageRangeProblems("3-1")).toEqual(["the range 3-1 runs backwards"]);
    expect(pageRangeProblems("0-2")).toEqual(["page numbers start at 1"]);
    for (const bad of ["", "a", "1-", "-3", "1,,2", "1-2-3", "1.5", "99999999"]) expect(pageRangeProblems(bad)).toHaveLength(1);
    expect(() => normalisePageRange("5-2")).toThrow(expect.objectContaining({ code: "validation_failed", userMessage: expect.stringMatching(/5-2 runs backwards/) }));
  });

  it("are checked where the upload request is parsed", () => {
    const base = { filename: "a.pdf", sizeBytes: 10, contentType: "application/pdf" };
    expect(createUploadRequestSchema.safeParse({ ...base, pages: "1-5,8" }).success).toBe(true);
    const bad = createUploadRequestSchema.safeParse({ ...base, pages: "4-2" });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toMatch(/runs backwards/);
  });
});
