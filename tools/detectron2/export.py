#!/usr/bin/env python3
"""Export a trained Detectron2 model (config + model_final.pth) to a Pagewise model folder.

Run it in your own Detectron2 environment (torch + detectron2; onnxruntime optional, for the parity
check). It writes <out>/model.onnx and <out>/model.json; install the folder with
`npm run model:add -- <out>`.

    python3 tools/detectron2/export.py --config-file output/config.yaml \
        --weights output/model_final.pth --out exported/my-layout-model \
        [--labels Text,Title,List,Table,Figure] [--fixed-size 1035x800] [--sample-image page.png]

What it does, in Detectron2's own terms:
- builds the model from the config (detectron2.config.get_cfg + merge_from_file) and loads the
  weights with DetectionCheckpointer, on the CPU;
- wraps it in detectron2.export.TracingAdapter with `model.inference(..., do_postprocess=False)`,
  as tools/deploy/export_model.py does, so the outputs are the Instances fields sorted by name
  (pred_boxes, pred_classes, [pred_masks for Mask R-CNN], scores) then image_size, in input pixels;
- exports with torch.onnx.export at opset 16 (export_model.py uses 11, where RoIAlign loses
  `aligned` and the boxes disagree with PyTorch), with dynamic height/width unless --fixed-size;
- declares the outputs' constant sizes ([N, 4] boxes, [N, 1, 28, 28] masks) in the graph when the onnx
  package is importable (the tracer leaves them as free names);
- runs the same image through PyTorch and, when onnxruntime is importable, through the ONNX file,
  and compares the boxes (matched by IoU, as sets: near-tied scores may reorder).
"""

import argparse
import hashlib
import inspect
import json
import os
import re
import shutil
import sys
import tempfile

OPSET = 16
# The parity check passes when every PyTorch box has an ONNX box of the same class at IoU >= PARITY_IOU
# or with every coordinate within BOX_TOLERANCE_PX (input pixels).
PARITY_IOU = 0.99
BOX_TOLERANCE_PX = 0.5


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="Export a Detectron2 model to a Pagewise model folder (model.onnx + model.json).")
    p.add_argument("--config-file", required=True, help="the training config (.yaml), e.g. output/config.yaml")
    p.add_argument("--weights", required=True, help="the trained weights, e.g. output/model_final.pth")
    p.add_argument("--out", required=True, help="folder to write (must not exist)")
    p.add_argument("--labels", help="class names in class-index order, comma-separated (default: the config's dataset metadata)")
    p.add_argument("--labels-file", help="class names, one per line")
    p.add_argument("--id", help="model id (default: the --out folder's name)")
    p.add_argument("--name", help="name shown in the UI next to every result")
    p.add_argument("--fixed-size", help="HxW: export a static input of this size instead of dynamic height/width")
    p.add_argument("--sample-image", help="image for tracing and the parity check (default: a generated page)")
    p.add_argument("--score-threshold", type=float, help="manifest scoreThreshold (default: MODEL.ROI_HEADS.SCORE_THRESH_TEST)")
    p.add_argument("--skip-parity", action="store_true", help="export without the PyTorch/ONNX comparison")
    p.add_argument("opts", nargs=argparse.REMAINDER, help="config overrides, KEY VALUE pairs, as in Detectron2's tools")
    args = p.parse_args(argv)
    if args.labels and args.labels_file:
        p.error("give --labels or --labels-file, not both")
    if args.fixed_size and not re.fullmatch(r"\d+x\d+", args.fixed_size):
        p.error("--fixed-size must be HxW, e.g. 1035x800")
    return args


def fail(message):
    print(f"export.py: {message}", file=sys.stderr)
    sys.exit(1)


def slug(name):
    s = re.sub(r"[^a-z0-9._-]+", "-", name.lower()).lstrip("._-")[:64]
    return s or "model"


def setup_cfg(args):
    from detectron2.config import get_cfg

    cfg = get_cfg()
    cfg.merge_from_file(args.config_file)
    cfg.merge_from_list(args.opts or [])
    cfg.MODEL.WEIGHTS = args.weights
    cfg.MODEL.DEVICE = "cpu"
    cfg.freeze()
    return cfg


def read_labels(args, cfg):
    if args.labels:
        labels = [s.strip() for s in args.labels.split(",")]
    elif args.labels_file:
        with open(args.labels_file, encoding="utf-8") as f:
            labels = [line.strip() for line in f if line.strip()]
    else:
        from detectron2.data import MetadataCatalog

        labels = None
        for dataset in list(cfg.DATASETS.TEST) + list(cfg.DATASETS.TRAIN):
            classes = MetadataCatalog.get(dataset).get("thing_classes", None)
            if classes:
                labels, where = list(classes), dataset
                break
        if labels is None:
            fail(
                "no label names: the config's datasets (%s) have no thing_classes in MetadataCatalog "
                "(give --labels a,b,c or --labels-file, or register the dataset and call export.main(argv) from your own script)" % ", ".join(list(cfg.DATASETS.TEST) + list(cfg.DATASETS.TRAIN))
            )
        print(f"labels from MetadataCatalog[{where!r}].thing_classes")
    if any(not label for label in labels):
        fail("empty label name in the label list")
    want = cfg.MODEL.ROI_HEADS.NUM_CLASSES
    if len(labels) != want:
        fail(f"{len(labels)} labels given ({', '.join(labels)}), but MODEL.ROI_HEADS.NUM_CLASSES is {want}")
    return labels


def generated_page(width=1275, height=1650):
    """A white letter page with dark blocks (a title, text lines, a figure), HxWx3 uint8 BGR."""
    import numpy as np

    page = np.full((height, width, 3), 255, dtype=np.uint8)
    page[120:170, 150:900] = 30
    for k in range(18):
        y = 240 + k * 34
        page[y : y + 14, 150 : (1125 if k % 6 != 5 else 700)] = 60
    page[930:1450, 200:1075] = (180, 120, 60)
    return page


def load_image(args, cfg):
    """The sample page as the model's input tensor (CHW float32, cfg.INPUT.FORMAT), as DefaultPredictor feeds it."""
    import numpy as np
    import torch
    import detectron2.data.transforms as T
    from detectron2.data import detection_utils

    if args.sample_image:
        original = detection_utils.read_image(args.sample_image, format="BGR")
    else:
        original = generated_page()
    if cfg.INPUT.FORMAT == "RGB":
        original = original[:, :, ::-1]
    if args.fixed_size:
        h, w = (int(v) for v in args.fixed_size.split("x"))
        # The worker stretches every page to a static input size: do the same here.
        aug = T.Resize((h, w))
    else:
        aug = T.ResizeShortestEdge([cfg.INPUT.MIN_SIZE_TEST, cfg.INPUT.MIN_SIZE_TEST], cfg.INPUT.MAX_SIZE_TEST)
    image = aug.get_transform(original).apply_image(original)
    return torch.as_tensor(np.ascontiguousarray(image.astype("float32").transpose(2, 0, 1)))


def inference(model, image):
    # do_postprocess=False: boxes stay in input pixels and masks are the box-relative 28x28 probabilities.
    instances = model.inference([{"image": image}], do_postprocess=False)[0]
    return [{"instances": instances}]


def export_onnx(model, image, path, mask_on, fixed):
    import torch
    from detectron2.export import TracingAdapter

    adapter = TracingAdapter(model, image, inference)
    adapter.eval()
    outputs = ["pred_boxes", "pred_classes"] + (["pred_masks"] if mask_on else []) + ["scores", "image_size"]
    # The detection count is free in every export; only the input's height/width follow --fixed-size.
    dynamic_axes = {o: {0: "num_detections"} for o in outputs if o != "image_size"}
    if not fixed:
        dynamic_axes["image"] = {1: "height", 2: "width"}
    kwargs = {}
    # torch >= 2.5 has a second exporter (dynamo), which cannot trace Detectron2's Instances; ask for the tracer.
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False
    with torch.no_grad():
        torch.onnx.export(
            adapter,
            (image,),
            path,
            opset_version=OPSET,
            input_names=["image"],
            output_names=outputs,
            dynamic_axes=dynamic_axes,
            do_constant_folding=True,
            **kwargs,
        )
    print("TracingAdapter outputs schema:", adapter.outputs_schema)
    with torch.no_grad():
        traced = dict(zip(outputs, adapter(image)))
    declare_sizes(path, {name: list(traced[name].shape) for name in ("pred_boxes", "pred_masks") if name in traced})
    return outputs


def declare_sizes(path, shapes):
    """The tracer declares the constant sizes of pred_boxes ([N, 4]) and pred_masks ([N, 1, 28, 28]) as free
    names (`Castpred_boxes_dim_1`); write the sizes PyTorch gave into the graph's outputs, so the graph states
    its contract. Needs the onnx package; without it the graph is left as traced (still valid)."""
    try:
        import onnx
    except ImportError:
        print("onnx is not importable here: output sizes left as traced (free names)")
        return
    model = onnx.load(path)
    for output in model.graph.output:
        for dim, size in zip(list(output.type.tensor_type.shape.dim)[1:], shapes.get(output.name, [])[1:]):
            dim.dim_value = size
    onnx.save(model, path)


def iou(a, b):
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def box_diff(a, b):
    return max(abs(x - y) for x, y in zip(a, b))


def compare(torch_out, onnx_out):
    """Every PyTorch box against the nearest ONNX box of the same class; returns (passed, lines to print).

    A pair agrees at IoU >= PARITY_IOU or, for the thin and empty boxes that IoU cannot judge (with
    do_postprocess=False, Detectron2 keeps boxes clipped to zero width), within BOX_TOLERANCE_PX.
    """
    tb, tc, ts = torch_out
    ob, oc, os_ = onnx_out
    lines = [f"PyTorch: {len(tb)} detections, ONNX: {len(ob)} detections"]
    worst = 1.0
    max_diff = 0.0
    max_score = 0.0
    disagree = 0
    for i, box in enumerate(tb):
        candidates = [j for j in range(len(ob)) if oc[j] == tc[i]]
        best = min(candidates, key=lambda j: (box_diff(box, ob[j]), -iou(box, ob[j])), default=None)
        if best is None:
            disagree += 1
        else:
            v, d = iou(box, ob[best]), box_diff(box, ob[best])
            worst, max_diff = min(worst, v), max(max_diff, d)
            max_score = max(max_score, abs(ts[i] - os_[best]))
            if v < PARITY_IOU and d > BOX_TOLERANCE_PX:
                disagree += 1
        if i < 10:
            lines.append(
                f"  #{i} class {tc[i]} score {ts[i]:.4f} torch [{', '.join(f'{x:.1f}' for x in box)}]"
                + (f" onnx [{', '.join(f'{x:.1f}' for x in ob[best])}] IoU {v:.4f}" if best is not None else " no ONNX box of that class")
            )
    passed = len(tb) == len(ob) and disagree == 0
    lines.append(
        f"largest box coordinate difference {max_diff:.5f} px, worst matched IoU {worst:.5f}, largest score difference {max_score:.6f}; "
        f"{disagree} of {len(tb)} boxes disagree (agree: IoU >= {PARITY_IOU} or within {BOX_TOLERANCE_PX} px, and the same count)"
    )
    return passed, lines


def parity(model, image, onnx_path, fixed):
    import torch

    with torch.no_grad():
        inst = inference(model, image)[0]["instances"]
    torch_out = (inst.pred_boxes.tensor.tolist(), inst.pred_classes.tolist(), inst.scores.tolist())
    try:
        import onnxruntime as ort
    except ImportError:
        print(f"parity: onnxruntime is not importable here (pip install onnxruntime); PyTorch gave {len(torch_out[0])} detections, ONNX not run")
        return None
    session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    result = session.run(None, {session.get_inputs()[0].name: image.numpy()})
    names = [o.name for o in session.get_outputs()]
    got = dict(zip(names, result))
    onnx_out = (got["pred_boxes"].tolist(), got["pred_classes"].tolist(), got["scores"].tolist())
    passed, lines = compare(torch_out, onnx_out)
    print("parity (same image through PyTorch and onnxruntime):")
    print("\n".join(lines))
    if not fixed:
        # The graph must also run at another size (a landscape page) when its input is dynamic.
        other = torch.nn.functional.interpolate(image[None], size=(image.shape[2], image.shape[1]), mode="bilinear")[0]
        n = len(session.run(None, {session.get_inputs()[0].name: other.numpy()})[0])
        print(f"dynamic size: ran at {other.shape[2]}x{other.shape[1]} (WxH) too, {n} detections")
    return passed


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def manifest_for(args, cfg, labels, digest):
    """model.json in Pagewise's format (worker/model/manifest.ts)."""
    model_id = args.id or slug(os.path.basename(os.path.normpath(args.out)))
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]{0,63}", model_id):
        fail(f"model id {model_id!r} must be 1-64 characters of a-z, 0-9, '.', '_' or '-' (give --id)")
    if cfg.INPUT.FORMAT not in ("BGR", "RGB"):
        fail(f"INPUT.FORMAT {cfg.INPUT.FORMAT!r} is not supported (BGR or RGB)")
    if args.fixed_size:
        h, w = (int(v) for v in args.fixed_size.split("x"))
        resize = {"type": "fixed", "width": w, "height": h}
    else:
        resize = {"type": "shortest-edge", "shortestEdge": int(cfg.INPUT.MIN_SIZE_TEST), "maxSize": int(cfg.INPUT.MAX_SIZE_TEST)}
    arch = "Mask R-CNN" if cfg.MODEL.MASK_ON else "Faster R-CNN"
    backbone = cfg.MODEL.BACKBONE.NAME
    if "resnet" in backbone:
        backbone = f"R{cfg.MODEL.RESNETS.DEPTH}" + ("-FPN" if "fpn" in backbone else "")
    threshold = args.score_threshold if args.score_threshold is not None else float(cfg.MODEL.ROI_HEADS.SCORE_THRESH_TEST)
    return {
        "id": model_id,
        "name": args.name or f"{model_id} ({arch} {backbone}, {len(labels)} classes)",
        "version": digest[:7],
        "kind": "trained",
        "file": "model.onnx",
        "labels": labels,
        "scoreThreshold": min(max(threshold, 0.0), 1.0),
        "inputFormat": cfg.INPUT.FORMAT,
        "resize": resize,
        "sha256": digest,
        "source": f"tools/detectron2/export.py {os.path.basename(args.config_file)} {os.path.basename(args.weights)} (opset {OPSET})",
    }


def main(argv=None):
    args = parse_args(argv)
    if os.path.exists(args.out):
        fail(f"{args.out} already exists: give a new --out folder")
    for path in (args.config_file, args.weights):
        if not os.path.isfile(path):
            fail(f"{path} does not exist")
    try:
        import torch
        from detectron2.checkpoint import DetectionCheckpointer
        from detectron2.modeling import GeneralizedRCNN, build_model
    except ImportError as error:
        fail(f"run this in your Detectron2 environment (torch and detectron2 importable): {error}")

    cfg = setup_cfg(args)
    labels = read_labels(args, cfg)
    model = build_model(cfg)
    if not isinstance(model, GeneralizedRCNN):
        fail(f"{cfg.MODEL.META_ARCHITECTURE} is not supported: Pagewise takes GeneralizedRCNN models (Faster / Mask R-CNN)")
    DetectionCheckpointer(model).load(args.weights)
    model.eval()
    image = load_image(args, cfg)
    print(f"tracing at {image.shape[2]}x{image.shape[1]} (WxH), {'fixed' if args.fixed_size else 'dynamic'} input, opset {OPSET}, masks: {bool(cfg.MODEL.MASK_ON)}")

    # Everything goes to a temporary folder beside --out, renamed at the end: a failed export leaves nothing.
    parent = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(parent, exist_ok=True)
    work = tempfile.mkdtemp(prefix=".export-", dir=parent)
    try:
        onnx_path = os.path.join(work, "model.onnx")
        export_onnx(model, image, onnx_path, bool(cfg.MODEL.MASK_ON), bool(args.fixed_size))
        passed = None if args.skip_parity else parity(model, image, onnx_path, bool(args.fixed_size))
        if passed is False:
            fail("parity check failed: the ONNX graph disagrees with PyTorch (see above); nothing written")
        manifest = manifest_for(args, cfg, labels, sha256(onnx_path))
        with open(os.path.join(work, "model.json"), "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=2)
            f.write("\n")
        os.rename(work, args.out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"wrote {args.out}/model.onnx and model.json ({manifest['id']}, {len(labels)} labels, sha256 {manifest['sha256']})")
    print(f"next: npm run model:add -- {args.out}")


if __name__ == "__main__":
    main()
