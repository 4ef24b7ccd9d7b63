"""The 'My pictures' preset on a folder of 500 pictures at 64 px (issue 26, item 3).

    nice -n 10 .venv/bin/python benchmarks/bench_folder.py --folder /tmp/mypics500 \
        --out /tmp/finalruns/my-pictures [--count 500] [--size 64] [--threads 1] [--json FILE] \
        [--set FIELD=VALUE ...]

Writes ``--count`` pictures of the drawn shapes data set (colour, ``--size`` px, no labels: one
flat folder, as a person's folder of pictures is) as PNG files into ``--folder`` when it is
empty, trains ``ganstudio train --preset my-pictures --set data.root=FOLDER --set
data.image_size=SIZE`` (its settings fitted to the folder when it starts), then saves a sample
grid of the averaged generator (``OUT/grid.png``) and runs the memorisation check the explorer
offers (metrics/nearest.py) on 64 samples: how many are 'probably a copy' of a training
picture, and the median ratio of a sample's distance to its nearest training picture over the
usual distance between two training pictures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def write_folder(folder: Path, count: int, size: int) -> None:
    from PIL import Image

    from ganstudio.data.procedural import draw_shapes

    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.rglob("*.png")):  # a folder of pictures already, flat or one subfolder per kind
        return
    x, _ = draw_shapes(count, size, seed=7)
    for i in range(count):
        Image.fromarray(x[i].permute(1, 2, 0).numpy()).save(folder / f"pic{i:04d}.png")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--folder", default="/tmp/mypics500")
    ap.add_argument("--out", default="/tmp/finalruns/my-pictures")
    ap.add_argument("--count", type=int, default=500)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--threads", default="1")
    ap.add_argument("--json", default="")
    ap.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                    help="passed on to ganstudio train (to try settings; with "
                         "training.adapt_to_data=false the fitted ones are not applied)")
    args = ap.parse_args(argv)
    folder = Path(args.folder)
    write_folder(folder, args.count, args.size)
    load0 = os.getloadavg()
    t0 = time.time()
    done = subprocess.run([sys.executable, "-m", "ganstudio", "train", "--preset", "my-pictures",
                           "--set", f"data.root={folder}", "--set",
                           f"data.image_size={args.size}", "--threads", args.threads,
                           "--autosave", "0", "--out", args.out, "--quiet",
                           *[a for kv in args.set for a in ("--set", kv)]],
                          check=True, cwd=ROOT, capture_output=True, text=True)
    wall = time.time() - t0
    checkpoint = done.stdout.strip().splitlines()[-1]

    import torch

    from ganstudio.explore.exploration import open_for_exploring
    from ganstudio.export import save_image_grid
    from ganstudio.metrics.nearest import COPY_SHARE, NearestPictures
    from ganstudio.data import build_source
    from ganstudio.training.checkpoint import load_checkpoint, load_generator

    ckpt = load_checkpoint(checkpoint)
    G, _ = load_generator(ckpt)
    z = torch.randn(64, ckpt.spec.latent_dim, generator=torch.Generator().manual_seed(0))
    # a folder with one subfolder per kind trains with labels: every kind in turn
    y = torch.arange(64) % ckpt.spec.num_classes if ckpt.spec.num_classes else None
    with torch.no_grad():
        pictures = G(z, y)
    grid = save_image_grid(pictures, Path(args.out) / "grid.png", nrow=8, min_side=512)
    index = NearestPictures(build_source(ckpt.config))
    ratios = [index.query(p).ratio for p in pictures]
    open_for_exploring(checkpoint)  # the explorer opens it (its check is a click away there)
    result = {
        "folder": str(folder), "count": args.count, "size": args.size,
        "checkpoint": checkpoint, "grid": str(grid), "steps": ckpt.steps_done,
        "train_s": round(float(ckpt.info.get("elapsed", 0.0)), 1), "wall_s": round(wall, 1),
        "load_start": [round(v, 2) for v in load0],
        "load_end": [round(v, 2) for v in os.getloadavg()],
        "fitted": {k: ckpt.config.get(k) for k in (
            "loss.augment", "loss.diffaugment", "loss.r1_weight", "loss.r2_weight",
            "model.g_width", "training.batch_size", "training.steps", "model.conditional",
            "optimizer.lr_g", "optimizer.lr_d", "training.ema")},
        "augment_p": (ckpt.info.get("augment") or {}).get("p"),
        "copies": sum(r < COPY_SHARE for r in ratios), "samples_checked": len(ratios),
        "median_ratio": round(sorted(ratios)[len(ratios) // 2], 3),
        "min_ratio": round(min(ratios), 3), "space": index.space,
    }
    if args.set:
        result["set"] = list(args.set)
    print(json.dumps(result, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
