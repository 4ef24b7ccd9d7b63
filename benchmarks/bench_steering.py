"""What steering costs a run that is not being steered (issue 24): the edit machinery idle, and
the timeline's snapshots.

    python benchmarks/bench_steering.py [--preset ring] [--steps 1500] [--repeats 5]

1. Idle edit machinery, per step: the checks a step makes when nothing is changed (scheduled
   changes, slow motion, which network trains), timed alone with timeit, as a share of the
   step's own time measured in the same process.
2. The same run through the session loop A/B: as shipped, and with those checks stubbed out
   (what the loop cost before steering), alternating so drift hits both; median steps/s.
3. Snapshots: a Run with its folder A/B with and without the snapshot keeper; median steps/s
   and the share of time the snapshots took.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ganstudio.presets import load_preset  # noqa: E402
from ganstudio.training import Run, Trainer, train  # noqa: E402
from ganstudio.training import session as session_module  # noqa: E402


def config(preset: str):
    cfg = load_preset(preset)
    cfg.training.steps = 0
    cfg.training.threads = 1  # fixed: automatic threads would probe differently in A and B
    cfg.training.quality_every = 0
    cfg.training.autosave_minutes = 0
    return cfg


def idle_checks_share(preset: str, steps: int) -> tuple[float, float]:
    """(seconds of the idle checks per step, their share of a step)."""
    t = Trainer(config(preset))
    train(t, 50)
    s = session_module.TrainingSession(t, pictures=False)
    tr = t

    def checks():  # what an unsteered step evaluates for steering
        if tr.config.changes:
            pass
        if s.pace <= 0:
            pass
        update = tr.config.training.update
        if update != "g":
            pass
        if update != "d":
            pass
        if s.pace > 0:
            pass

    n = 200_000
    per_check = min(timeit.repeat(checks, number=n, repeat=5)) / n
    t0 = time.perf_counter()
    train(t, steps)
    per_step = (time.perf_counter() - t0) / steps
    return per_check, per_check / per_step


def session_rate(preset: str, steps: int, stubbed: bool) -> float:
    t = Trainer(config(preset))
    train(t, 30)
    real_slowed = session_module.TrainingSession._slowed
    real_scheduled = session_module.TrainingSession._apply_scheduled
    if stubbed:
        session_module.TrainingSession._slowed = lambda self: False
        session_module.TrainingSession._apply_scheduled = lambda self: None
    try:
        t0 = time.perf_counter()
        train(t, steps)
        return steps / (time.perf_counter() - t0)
    finally:
        session_module.TrainingSession._slowed = real_slowed
        session_module.TrainingSession._apply_scheduled = real_scheduled


def run_rate(preset: str, steps: int, snapshots: bool) -> tuple[float, float]:
    """(steps/s, seconds spent taking snapshots) of a Run writing its folder."""
    with tempfile.TemporaryDirectory() as folder:
        run = Run(config(preset), folder=folder, title=preset)
        run.build()
        spent = [0.0]
        if snapshots:
            keeper = run.snapshots
            take = keeper.take

            def timed(trainer):
                t0 = time.perf_counter()
                path = take(trainer)
                spent[0] += time.perf_counter() - t0
                return path
            keeper.take = timed
        else:
            run.snapshots = None
        t0 = time.perf_counter()
        run.train(steps)
        rate = steps / (time.perf_counter() - t0)
        run.close()
        return rate, spent[0]


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--preset", default="ring")
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--repeats", type=int, default=5)
    a = p.parse_args()

    per_check, share = idle_checks_share(a.preset, a.steps)
    print(f"idle checks: {per_check * 1e6:.2f} us a step = {share * 100:.4f}% of a step")

    shipped, stubbed = [], []
    for _ in range(a.repeats):
        shipped.append(session_rate(a.preset, a.steps, stubbed=False))
        stubbed.append(session_rate(a.preset, a.steps, stubbed=True))
    ms, mb = statistics.median(shipped), statistics.median(stubbed)
    print(f"session loop: as shipped {ms:.1f} steps/s, checks stubbed out {mb:.1f} steps/s, "
          f"ratio {ms / mb:.3f} (spread of shipped {min(shipped):.1f}-{max(shipped):.1f})")

    with_s, without_s, spent = [], [], []
    for _ in range(a.repeats):
        rate, secs = run_rate(a.preset, a.steps, snapshots=True)
        with_s.append(rate)
        spent.append(secs / (a.steps / rate))
        without_s.append(run_rate(a.preset, a.steps, snapshots=False)[0])
    mw, mo = statistics.median(with_s), statistics.median(without_s)
    print(f"run with snapshots {mw:.1f} steps/s, without {mo:.1f} steps/s, ratio {mw / mo:.3f}; "
          f"snapshots took {statistics.median(spent) * 100:.1f}% of the first {a.steps} steps")


if __name__ == "__main__":
    main()
