#!/usr/bin/python3
"""Trains the layout detector on synthetic pages rendered on the fly (training/generate.py), time-limited.

  /usr/bin/python3 training/train.py --out training/runs/cpu --minutes 60 [--threads 1] [--batch 2]
  python3 training/train.py --out runs/gpu --minutes 8 --device cuda --batch 8 --workers 8   (GPU machine)

Every page is drawn from a fresh training seed (0, 1, 2, ...), so no page repeats. Logs one JSON line per
`--log-every` iterations to OUT/log.jsonl and saves OUT/last.pt every `--save-every` seconds and at the end
(it resumes from OUT/last.pt when present). The learning rate warms up, then follows a cosine over the time
limit (or --max-iters, whichever comes first), so a shorter run still ends annealed.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate  # noqa: E402
from model import build_model  # noqa: E402


def to_target(img, boxes):
    x = torch.from_numpy(np.asarray(img, dtype=np.float32) / 255.0).permute(2, 0, 1).contiguous()
    b = torch.tensor([list(bx) for _, bx in boxes], dtype=torch.float32).reshape(-1, 4)
    keep = (b[:, 2] - b[:, 0] >= 1) & (b[:, 3] - b[:, 1] >= 1)
    labels = torch.tensor([lab for lab, _ in boxes], dtype=torch.int64)
    return x, {"boxes": b[keep], "labels": labels[keep]}


class Pages(torch.utils.data.IterableDataset):
    def __init__(self, start, width, repeat=0):
        self.start, self.width, self.repeat = start, width, repeat

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        i, step = self.start + (info.id if info else 0), info.num_workers if info else 1
        while True:
            seed = i % self.repeat if self.repeat else i
            img, boxes, _ = generate.render_page(generate.split_seed("train", seed), self.width)
            yield to_target(img, boxes)
            i += step


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--minutes", type=float, default=60)
    ap.add_argument("--max-iters", type=int, default=0, help="stop after this many iterations (0: time only)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--arch", default="mobilenet", choices=["mobilenet", "resnet18"])
    ap.add_argument("--width", type=int, default=512, help="page width in pixels (the model's input scale)")
    ap.add_argument("--tiny", action="store_true", help="half-width backbone (tests)")
    ap.add_argument("--repeat", type=int, default=0, help="cycle over this many pages instead of fresh ones (tests: the loss must fall)")
    ap.add_argument("--log-every", type=int, default=10)
    ap.add_argument("--save-every", type=float, default=300)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    os.makedirs(a.out, exist_ok=True)
    config = {"arch": a.arch, "min_size": a.width, "max_size": int(a.width * 1.375), "tiny": a.tiny}
    model = build_model(**config).to(a.device)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=1e-4)
    state = {"iter": 0, "images": 0, "seconds": 0.0, "next_seed": 0}
    ckpt = os.path.join(a.out, "last.pt")
    if os.path.exists(ckpt):
        ck = torch.load(ckpt, map_location=a.device)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        state = ck["state"]
        print(f"resumed at iteration {state['iter']}", flush=True)

    def save():
        tmp = ckpt + ".tmp"
        torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "state": state, "config": config}, tmp)
        os.replace(tmp, ckpt)

    pages = torch.utils.data.DataLoader(Pages(state["next_seed"], a.width, a.repeat), batch_size=a.batch, num_workers=a.workers,
                                        collate_fn=lambda b: tuple(zip(*b)))
    limit = a.minutes * 60
    warmup = min(100, max(1, a.max_iters // 4)) if a.max_iters else 100
    log = open(os.path.join(a.out, "log.jsonl"), "a")
    model.train()
    started, last_save = time.time() - state["seconds"], time.time()
    for images, targets in pages:
        elapsed = time.time() - started
        if elapsed >= limit or (a.max_iters and state["iter"] >= a.max_iters):
            break
        frac = min(1.0, max(elapsed / limit, state["iter"] / a.max_iters if a.max_iters else 0.0))
        lr = a.lr * min(1.0, (state["iter"] + 1) / warmup) * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * frac)))
        for g in opt.param_groups:
            g["lr"] = lr
        images = [im.to(a.device) for im in images]
        targets = [{k: v.to(a.device) for k, v in t.items()} for t in targets]
        losses = model(images, targets)
        loss = sum(losses.values())
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
        opt.step()
        state["iter"] += 1
        state["images"] += len(images)
        state["next_seed"] += len(images)
        state["seconds"] = time.time() - started
        if state["iter"] % a.log_every == 0 or state["iter"] == 1:
            row = {"iter": state["iter"], "images": state["images"], "seconds": round(state["seconds"], 1), "lr": round(lr, 6),
                   "loss": round(loss.item(), 4), **{k: round(v.item(), 4) for k, v in losses.items()}}
            log.write(json.dumps(row) + "\n")
            log.flush()
            print(json.dumps(row), flush=True)
        if time.time() - last_save > a.save_every:
            save()
            last_save = time.time()
    save()
    print(json.dumps({"done": True, **state}), flush=True)


if __name__ == "__main__":
    main()
