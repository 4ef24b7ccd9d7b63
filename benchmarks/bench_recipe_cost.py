"""What a training step of each fashion-mnist recipe costs (issue 26): processor seconds of one
thread per step, which another job sharing the machine changes less than the wall time.

    nice -n 10 .venv/bin/python benchmarks/bench_recipe_cost.py base dc-rp dc-rp-lazy4 res32 \
        res32-lazy4 res24-lazy4 dc64 dc-g64 base

Each recipe is the fashion-mnist preset as it was before issue 26 (DCGAN, non-saturating,
batch-norm D, Adam 2e-4 beta (0.5, 0.999), batch 64) with the changes listed below; 5 steps of
warm-up, then 30 timed. Name a recipe twice to see how much the machine drifted meanwhile.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from ganstudio.presets import load_preset  # noqa: E402
from ganstudio.training import Trainer  # noqa: E402

BEFORE = ["loss.name=nonsaturating", "loss.r1_weight=0", "loss.r2_weight=0",
          "loss.penalty_every=1", "optimizer.lr_g=0.0002", "optimizer.lr_d=0.0002",
          "optimizer.beta1=0.5", "optimizer.beta2=0.999"]
RP = ["loss.name=rpgan", "loss.r1_weight=0.1", "loss.r2_weight=0.1"]
RES = ["model.family=resnet"]
RECIPES = {
    "base": [],
    "dc-rp": RP,
    "dc-rp-lazy4": RP + ["loss.penalty_every=4"],
    "res32": RES + RP,
    "res32-lazy4": RES + RP + ["loss.penalty_every=4"],
    "res24-lazy4": RES + ["model.g_width=24", "model.d_width=24"] + RP + ["loss.penalty_every=4"],
    "dc64": ["model.g_width=64", "model.d_width=64"],
    "dc-g64": ["model.g_width=64"],
}


def main(names: list[str]) -> int:
    torch.set_num_threads(1)
    for name in names or list(RECIPES):
        cfg = load_preset("fashion-mnist")
        for s in BEFORE + RECIPES[name]:
            cfg.set_text(s)
        cfg.set("training.threads", 1)
        t = Trainer(cfg)
        for _ in range(5):
            t.step()
        c0, w0 = time.process_time(), time.perf_counter()
        for _ in range(30):
            t.step()
        cpu, wall = (time.process_time() - c0) / 30, (time.perf_counter() - w0) / 30
        print(f"{name}: {cpu * 1000:.0f} ms CPU/step, {wall * 1000:.0f} ms wall/step, "
              f"weights G {t.parameter_counts[0]:,} D {t.parameter_counts[1]:,}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
