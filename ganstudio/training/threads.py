"""How many processor threads training uses: measured, not guessed.

Measured on this project's 2-core machine (ring preset, steps/s):

                      quiet machine   2 other busy processes
    1 thread               72              68
    2 threads             122               0.8
    2 threads, passive     61              61

Torch's parallel code spin-waits for its helper threads; with every core busy elsewhere those
threads are descheduled and each of the hundreds of small operations in a step waits a
scheduler tick: a 150-fold slowdown (DCGAN: 13.6 -> 0.4 steps/s). No fixed setting is right
everywhere, so by default the count is chosen by measuring: each candidate runs for a moment,
the fastest is kept, and the choice is measured again when steps slow down (another program got
busy) and every half minute (it may have finished).

A fixed thread count (training.threads > 0) makes runs exactly repeatable: convolutions add in a
different order with another thread count, which changes the last digits (MLPs do not care).
"""

from __future__ import annotations

import os
import statistics
import time
from collections import deque
from typing import Callable

PROBE_STEPS = 8  # steps measured per candidate
PROBE_SECONDS = 0.4  # ...or this much time, whichever comes first
SLOWDOWN = 2.5  # re-measure when steps get this much slower than when chosen
REPROBE_SECONDS = 30.0
WINDOW = 12


def candidates(cores: int | None = None) -> list[int]:
    cores = cores or os.cpu_count() or 1
    return sorted({1, max(1, cores // 2), cores})


class ThreadTuner:
    """Call ``after_step(step_time)`` after every step of the thread that trains; it sets that
    thread's torch thread count (through ``apply``) between steps."""

    def __init__(self, options: list[int] | None = None,
                 apply: Callable[[int], None] | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.options = options or candidates()
        self.apply = apply or _set_torch_threads
        self.clock = clock
        self.choice = self.options[0]
        self.reference = 0.0  # median step time when the choice was made
        self.recent: deque[float] = deque(maxlen=WINDOW)
        self.history: list[tuple[int, float]] = []  # (choice, median step time) per decision
        self._start_probe()

    # --- probing ------------------------------------------------------------------------------
    def _start_probe(self) -> None:
        self.probing = list(self.options)
        self.samples: dict[int, list[float]] = {n: [] for n in self.options}
        self._skip_next = True  # the first step after a switch pays for waking threads
        self.apply(self.probing[0])

    def _probe_step(self, dt: float) -> None:
        n = self.probing[0]
        if self._skip_next:
            self._skip_next = False
            if dt < PROBE_SECONDS:  # a catastrophic first step counts: it is the signal
                return
        s = self.samples[n]
        s.append(dt)
        if len(s) >= PROBE_STEPS or sum(s) >= PROBE_SECONDS:  # a crawling candidate ends fast
            self.probing.pop(0)
            if self.probing:
                self._skip_next = True
                self.apply(self.probing[0])
            else:
                self._decide()

    def _decide(self) -> None:
        timed = {n: statistics.median(v) for n, v in self.samples.items() if v}
        self.choice = min(timed, key=timed.get)
        self.reference = timed[self.choice]
        self.history.append((self.choice, self.reference))
        self.apply(self.choice)
        self.recent.clear()
        self._skip_next = True
        self.decided_at = self.clock()

    # --- running ------------------------------------------------------------------------------
    def after_step(self, dt: float) -> None:
        if self.probing:
            self._probe_step(dt)
            return
        if self._skip_next:
            self._skip_next = False
            return
        self.recent.append(dt)
        slowed = (len(self.recent) >= 4 and
                  statistics.median(self.recent) > SLOWDOWN * self.reference)
        if slowed or self.clock() - self.decided_at > REPROBE_SECONDS:
            self._start_probe()

    @property
    def describe(self) -> str:
        if self.probing:
            return "measuring"
        return f"{self.choice} thread{'s' if self.choice > 1 else ''}"


def _set_torch_threads(n: int) -> None:
    import torch

    torch.set_num_threads(n)


def thread_policy(threads: int) -> ThreadTuner | None:
    """For training.threads: 0 -> a tuner to feed step times; N -> N threads fixed, now."""
    if threads > 0:
        _set_torch_threads(threads)
        return None
    return ThreadTuner()
