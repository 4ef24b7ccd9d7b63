"""KID in Inception space on a few hundred pictures: a quality figure for any pictures, your own
folder included, that needs no classifier of the data set.

KID (Bińkowski et al. 2018) is unbiased, so unlike FID it can be read at a few hundred samples:
about 0 for pictures like the real ones, larger is worse (0.01 is good for 28-64 px pictures,
the demos' figures are in benchmarks/README.md). The real side's features come from the disk
cache of feature_cache.py when the same pictures were judged before, else they are computed
once and kept there; each call then costs one Inception pass over the generated pictures.

A call computes ``STEP`` pictures at a time and asks ``between(done, total)`` before each step,
so a run can show how far it is and abandon it (a Pause or Stop: the call returns None). The
real side's features computed before an abandoned call are kept: the next call goes on from
there (the real pictures never change; the generated ones do).
"""

from __future__ import annotations

import time

import torch

from ganstudio.metrics import stats
from ganstudio.metrics.inception import (FEATURES, SPACE, InceptionFeatures,
                                         InceptionUnavailable, features_key, weights_path)

PICTURES = 200  # generated and real pictures per live measurement
# pictures between two looks at ``between``: ~6 s on a 2-core CPU without AVX-512, ~1.3 s with
# AVX-512 BF16
STEP = 20


class Abandoned(Exception):
    """``between`` said stop: the measurement is dropped."""


class InceptionKID:
    """``kid(fake)``: the KID between ``fake`` and the real pictures given here (one subset of
    all of them). Raises ``InceptionUnavailable`` when the weights are not installed; the
    network itself is read on the first measurement."""

    space = SPACE

    def __init__(self, real: torch.Tensor, *, bf16: bool = False):
        self.path = weights_path()
        if self.path is None:
            raise InceptionUnavailable("the Inception weights are not installed")
        self.bf16 = bf16
        self.key = features_key(self.path, bf16)
        self._net: InceptionFeatures | None = None
        self.real = real
        self._real_features: torch.Tensor | None = None
        self._real_parts: list[torch.Tensor] = []  # computed so far (kept when abandoned)
        self._real_on_disk: bool | None = None
        self.real_cached: bool | None = None  # whether the real side came from the cache
        self.real_seconds = 0.0  # what the real side cost, abandoned calls included
        self.seconds = 0.0  # what the generated sides cost, all calls together
        self.calls = 0

    @property
    def real_ready(self) -> bool:
        return self._real_features is not None

    def real_on_disk(self) -> bool:
        """Whether the real side's features are in the disk cache (read in a moment)."""
        from ganstudio.metrics.feature_cache import has_features

        if self._real_on_disk is None:
            self._real_on_disk = has_features(self.real, self.key)
        return self.real_ready or self._real_on_disk

    def real_left(self) -> int:
        """Real pictures whose features the next call must still compute."""
        if self.real_on_disk():
            return 0
        return len(self.real) - sum(len(p) for p in self._real_parts)

    @property
    def net(self) -> InceptionFeatures:
        if self._net is None:
            self._net = InceptionFeatures(self.path, bf16=self.bf16)
        return self._net

    def _features(self, pictures, parts, between, done_before: int, total: int) -> torch.Tensor:
        """The features of ``pictures``, ``STEP`` at a time after those already in ``parts``
        (appended there); raises Abandoned when ``between(done, total)`` says stop."""
        start = sum(len(p) for p in parts)
        for i in range(start, len(pictures), STEP):
            if between is not None and not between(done_before + i - start, total):
                raise Abandoned
            parts.append(self.net(pictures[i:i + STEP]))
        return torch.cat(parts) if parts else torch.zeros(0, FEATURES, dtype=torch.float64)

    def real_features(self, between=None, total: int | None = None) -> torch.Tensor:
        if self._real_features is None:
            from ganstudio.metrics.feature_cache import cached_features

            t = time.perf_counter()
            left = self.real_left()
            try:
                self._real_features, self.real_cached = cached_features(
                    self.real, self.key, lambda: self._features(
                        self.real, self._real_parts, between, 0, total or left))
            finally:
                self.real_seconds += time.perf_counter() - t
            self._real_parts = []
        return self._real_features

    def __call__(self, fake: torch.Tensor, between=None) -> float | None:
        """The KID, or None when ``between(pictures done, pictures in all)`` said stop before
        one of the steps (the real side's pictures count when they are computed here)."""
        left = self.real_left()
        total = left + len(fake)
        try:
            _ = self.net  # read (a second or two) before the steps, which time pictures alone
            real = self.real_features(between, total)
            t = time.perf_counter()
            f = self._features(fake, [], between, left, total)
        except Abandoned:
            return None
        m = min(len(real), len(f))
        value = stats.kernel_distance(real, f, subsets=1, subset_size=m).mean
        self.seconds += time.perf_counter() - t
        self.calls += 1
        return value

    @property
    def seconds_per_picture(self) -> float:
        return self._net.seconds_per_image if self._net else float("nan")
