import type { PageAgreementDto } from "@/lib/api-types";

/** Which runs the viewer shows: `a` with solid boxes (interactive), `b` dashed over it; either can be hidden. */
export type RunView = { a: number; b: number | null; showA: boolean; showB: boolean };

export const SINGLE_RUN: RunView = { a: 1, b: null, showA: true, showB: false };

export type PageAgreements = ReadonlyMap<number, PageAgreementDto>;
