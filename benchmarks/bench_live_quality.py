"""What live quality measurement costs training: the same run with it on and off, paired.

    python benchmarks/bench_live_quality.py [--repeats R] [--threads T]

For each preset, runs alternate quality on (training.quality_every as shipped, 250) and off (0),
same seed and steps; the table gives the median wall time of each, the slowdown, and the share
the measurements themselves took (their own timing, kept with every quality point).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ganstudio.presets import load_preset  # noqa: E402
from ganstudio.training import Trainer, train  # noqa: E402

RUNS = {"ring": 3000, "digits": 1000}


def one(preset: str, steps: int, every: int, threads: int) -> tuple[float, float, int]:
    cfg = load_preset(preset)
    cfg.set("training.steps", steps)
    cfg.set("training.quality_every", every)
    cfg.set("training.threads", threads)
    cfg.set("training.sample_every", 0)
    tr = Trainer(cfg)
    t0 = time.perf_counter()
    train(tr, steps)
    wall = time.perf_counter() - t0
    spent = sum(p.seconds for p in tr.quality_history)
    return wall, spent, len(tr.quality_history)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, help="steps per run (default: ring 3,000, digits 1,000)")
    p.add_argument("presets", nargs="*", default=list(RUNS))
    args = p.parse_args()
    print("| preset | steps | quality off (s) | quality on (s) | slowdown | measurements | "
          "their own time (share of the run) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for preset in args.presets:
        steps = args.steps or RUNS.get(preset, 1000)
        off, on, spent, count = [], [], [], 0
        for _ in range(args.repeats):
            off.append(one(preset, steps, 0, args.threads)[0])
            wall, s, count = one(preset, steps, 250, args.threads)
            on.append(wall)
            spent.append(s / wall)
        a, b = statistics.median(off), statistics.median(on)
        print(f"| {preset} | {steps:,} | {a:.1f} | {b:.1f} | {b / a - 1:+.1%} | {count} | "
              f"{statistics.median(spent):.1%} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
