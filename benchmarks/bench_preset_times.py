"""How long each picture preset takes as shipped: steps/s at its own settings, and the time to
the steps its description names (issue 13, item 4: the presets' descriptions say the measured
figures).

    .venv/bin/python benchmarks/bench_preset_times.py [--preset digits ...] [--steps 60]
        [--set training.precision=fp32]

Each preset trains as a user's ``ganstudio train --preset NAME`` does (threads automatic,
precision as set; the data set read first, not timed), for a warm-up and then ``--steps``
steps; steps/s is steps over their training time (Trainer.elapsed). The milestones are where
the bundled demos' runs (packaging/make_demos.py) were judged recognisable and where the preset
ends; bf16 was shown to train as well as fp32 on them (bench_precision_quality.py).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_time_to_quality import parse_value  # noqa: E402 (beside this script)
from ganstudio.presets import load_preset  # noqa: E402
from ganstudio.training import Trainer, train  # noqa: E402

# (steps when recognisable, as judged on the demos' sample grids; the preset's last step)
MILESTONES = {"digits": 1000, "shapes": 4000, "fashion-mnist": 3000, "mnist-5k": 3000}
WARMUP = 10


def measure(name: str, steps: int, sets: dict) -> dict:
    cfg = load_preset(name)
    cfg.set("training.sample_every", 0)
    cfg.set("training.quality_every", 0)
    for k, v in sets.items():
        cfg.set(k, v)
    t0 = time.perf_counter()
    tr = Trainer(cfg)
    setup = time.perf_counter() - t0
    train(tr, WARMUP)
    before = tr.elapsed
    train(tr, steps)
    rate = steps / (tr.elapsed - before)
    total = cfg.training.steps
    return {"preset": name, "precision": tr.precision.label, "steps_per_s": round(rate, 2),
            "setup_s": round(setup, 1), "milestone": MILESTONES.get(name),
            "milestone_s": round(MILESTONES[name] / rate) if name in MILESTONES else None,
            "steps": total, "total_s": round(total / rate)}


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--preset", action="append", help="default: every picture preset")
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE")
    args = p.parse_args()
    sets = {k: parse_value(v) for k, v in (s.split("=", 1) for s in args.set)}
    print("| preset | number format | steps/s | recognisable at | time | all steps | time |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for name in args.preset or list(MILESTONES):
        r = measure(name, args.steps, sets)
        print(f"| {name} | {r['precision']} | {r['steps_per_s']:.2f} | {r['milestone']:,} | "
              f"{r['milestone_s'] / 60:.1f} min | {r['steps']:,} | {r['total_s'] / 60:.1f} min |",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
