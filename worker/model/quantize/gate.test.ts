import { describe, expect, it } from "vitest";
import type { Agreement } from "../../../lib/match";
import { judge } from "./optimize";

const agreement = (f1At50: number, referenceBoxes: number): Agreement => ({
  pages: 2, referenceBoxes, candidateBoxes: referenceBoxes, f1At50, f1At75: f1At50, meanIou: 0.9, meanAbsScoreError: 0.01, perClass: [],
});

describe("fidelity gate", () => {
  it("passes F1@0.5 >= 0.95, refuses below it and refuses when fp32 found too few boxes to judge", () => {
    expect(judge(agreement(0.95, 40), 0.95, 10)).toMatchObject({ passed: true });
    expect(judge(agreement(0.949, 40), 0.95, 10)).toMatchObject({ passed: false, reason: expect.stringMatching(/0\.949 against fp32, below 0\.95/) });
    expect(judge(agreement(1, 3), 0.95, 10)).toMatchObject({ passed: false, reason: expect.stringMatching(/fp32 found 3 boxes .* fewer than the 10 needed/) });
  });
});
