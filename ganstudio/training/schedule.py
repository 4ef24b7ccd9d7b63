"""Learning-rate decay: both learning rates lowered towards 0 over the last part of a run.

A GAN at a constant rate keeps circling its equilibrium; lowering the rates at the end lets the
generator settle on the data (the ring's samples land closer to their clusters: see
benchmarks/README.md, "Time to a good result"). The factor depends only on the step, so a
resumed run continues the same schedule with nothing saved.
"""

from __future__ import annotations

import math

DECAYS = ("none", "linear", "cosine")


def lr_factor(kind: str, step: int, total: int, start: float) -> float:
    """What the configured learning rates are multiplied by at ``step`` (0-based) of a run of
    ``total`` steps whose decay begins at the share ``start`` of it; 1 without a budget."""
    if kind == "none" or total <= 0:
        return 1.0
    begin = start * total
    if step < begin:
        return 1.0
    t = min((step - begin) / max(total - begin, 1), 1.0)
    if kind == "linear":
        return 1.0 - t
    if kind == "cosine":
        return 0.5 * (1.0 + math.cos(math.pi * t))
    raise ValueError(f"unknown learning-rate decay '{kind}'")
