/**
 * Installs the second model the browser tests choose on upload (the contract test model: one box over each page's
 * upper left quarter, untrained) in the folder named by the first argument.
 */
import path from "node:path";
import { buildContractModel, writeModelFolder } from "../../worker/model/test-models";

export const E2E_MODEL = { id: "e2e-contract", name: "E2E contract model (one box per page; untrained)" } as const;

const dir = process.argv[2];
if (dir) {
  await writeModelFolder(path.join(dir, E2E_MODEL.id), buildContractModel({ classes: 5 }), { ...E2E_MODEL, kind: "untrained" });
}
