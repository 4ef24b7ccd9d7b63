"""KID in Inception space on a few hundred pictures: a quality figure for any pictures, your own
folder included, that needs no classifier of the data set.

KID (Bińkowski et al. 2018) is unbiased, so unlike FID it can be read at a few hundred samples:
about 0 for pictures like the real ones, larger is worse (0.01 is good for 28-64 px pictures,
the demos' figures are in benchmarks/README.md). The real side's features come from the disk
cache of feature_cache.py when the same pictures were judged before, else they are computed
once and kept there; each call then costs one Inception pass over the generated pictures.
"""

from __future__ import annotations

import time

import torch

from ganstudio.metrics import stats
from ganstudio.metrics.inception import (SPACE, InceptionFeatures, InceptionUnavailable,
                                         features_key, weights_path)

PICTURES = 200  # generated and real pictures per live measurement


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
        self.real_cached: bool | None = None  # whether the real side came from the cache
        self.real_seconds = 0.0  # what the real side cost
        self.seconds = 0.0  # what the generated sides cost, all calls together
        self.calls = 0

    @property
    def real_ready(self) -> bool:
        return self._real_features is not None

    def real_on_disk(self) -> bool:
        """Whether the real side's features are in the disk cache (read in a moment)."""
        from ganstudio.metrics.feature_cache import has_features

        return self.real_ready or has_features(self.real, self.key)

    @property
    def net(self) -> InceptionFeatures:
        if self._net is None:
            self._net = InceptionFeatures(self.path, bf16=self.bf16)
        return self._net

    def real_features(self) -> torch.Tensor:
        if self._real_features is None:
            from ganstudio.metrics.feature_cache import cached_features

            t = time.perf_counter()
            self._real_features, self.real_cached = cached_features(
                self.real, self.key, lambda: self.net(self.real))
            self.real_seconds = time.perf_counter() - t
        return self._real_features

    def __call__(self, fake: torch.Tensor) -> float:
        real = self.real_features()
        t = time.perf_counter()
        f = self.net(fake)
        m = min(len(real), len(f))
        value = stats.kernel_distance(real, f, subsets=1, subset_size=m).mean
        self.seconds += time.perf_counter() - t
        self.calls += 1
        return value

    @property
    def seconds_per_picture(self) -> float:
        return self._net.seconds_per_image if self._net else float("nan")
