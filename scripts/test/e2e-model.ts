/** The second model the browser tests install (scripts/test/e2e-models.ts) and choose. */
export const E2E_MODEL = { id: "e2e-contract", name: "E2E contract model (one box per page; untrained)" } as const;
