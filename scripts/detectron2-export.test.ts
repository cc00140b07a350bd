import { execFileSync, spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * tools/detectron2/export.py runs in the user's own Detectron2 environment, which CI does not have:
 * here it is byte-compiled, and its torch-free parts (arguments, the parity comparison) are run.
 */
const EXPORT_PY = path.resolve(import.meta.dirname, "..", "tools", "detectron2", "export.py");
const hasPython = spawnSync("python3", ["--version"]).status === 0;
let cache: string;

beforeAll(async () => {
  cache = await mkdtemp(path.join(os.tmpdir(), "pagewise-pycache-"));
});
afterAll(async () => {
  await rm(cache, { recursive: true, force: true });
});

const python = (args: string[]) =>
  execFileSync("python3", args, { encoding: "utf8", env: { ...process.env, PYTHONPYCACHEPREFIX: cache }, stdio: ["ignore", "pipe", "pipe"] });

describe.skipIf(!hasPython)("tools/detectron2/export.py", () => {
  it("byte-compiles", () => {
    expect(() => python(["-m", "py_compile", EXPORT_PY])).not.toThrow();
  });

  it("compares boxes as sets by class and IoU, and parses its arguments, without torch", () => {
    const script = `
import json, sys
sys.path.insert(0, ${JSON.stringify(path.dirname(EXPORT_PY))})
import export as e
same = e.compare(([[0,0,10,10],[5,5,20,20]],[0,1],[0.9,0.8]), ([[5,5,20,20.01],[0,0,10,10]],[1,0],[0.8,0.9]))[0]
moved = e.compare(([[0,0,10,10]],[0],[0.9]), ([[0,0,10,12]],[0],[0.9]))[0]
other_class = e.compare(([[0,0,10,10]],[0],[0.9]), ([[0,0,10,10]],[1],[0.9]))[0]
fewer = e.compare(([[0,0,10,10],[5,5,20,20]],[0,1],[0.9,0.8]), ([[0,0,10,10]],[0],[0.9]))[0]
more = e.compare(([[0,0,10,10]],[0],[0.9]), ([[0,0,10,10],[5,5,20,20]],[0,1],[0.9,0.8]))[0]
empty = e.compare(([[0,0,37.04,0],[0,272.39,800,272.6]],[3,3],[0.9,0.8]), ([[0,272.4,800,272.58],[0,0,37.05,0]],[3,3],[0.8,0.9]))[0]
thin_moved = e.compare(([[0,272.39,800,272.6]],[3],[0.9]), ([[0,273.5,800,273.7]],[3],[0.9]))[0]
a = e.parse_args(["--config-file","c.yaml","--weights","w.pth","--out","out/My Model","--fixed-size","1035x800","MODEL.ROI_HEADS.SCORE_THRESH_TEST","0.7"])
print(json.dumps({"same": same, "moved": moved, "other_class": other_class, "fewer": fewer, "more": more, "empty": empty, "thin_moved": thin_moved, "opts": a.opts, "fixed": a.fixed_size, "slug": e.slug("My Model"), "opset": e.OPSET}))
`;
    expect(JSON.parse(python(["-c", script]))).toEqual({
      same: true,
      moved: false,
      other_class: false,
      fewer: false,
      more: false,
      empty: true,
      thin_moved: false,
      opts: ["MODEL.ROI_HEADS.SCORE_THRESH_TEST", "0.7"],
      fixed: "1035x800",
      slug: "my-model",
      opset: 16,
    });
    const bad = spawnSync("python3", [EXPORT_PY, "--config-file", "c", "--weights", "w", "--out", "o", "--fixed-size", "800"], { encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--fixed-size must be HxW/);
  });
});
