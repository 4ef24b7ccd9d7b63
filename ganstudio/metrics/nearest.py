"""The memorisation check: the training pictures nearest a generated one, in a feature space.

A generator that copies its training data scores well on FD and looks great, yet has learned
nothing; the standard check is to show a sample beside its nearest neighbours in the training
set (as in Brock et al. 2019, BigGAN, Fig. 5 and Karras et al. 2018, Appendix). "Near" is
measured in GAN Studio's classifier space when it has a classifier for the data (what the
picture shows), else in pixels. The distance is put in context: the typical distance from a
training picture to its own nearest other training picture. A sample far closer than that to
one training picture is very likely a copy of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

from ganstudio.metrics import classifier as clf

MAX_PICTURES = 10_000  # training pictures searched (a random subset of bigger data sets)
PIXEL_SIDE = 32
COPY_SHARE = 0.25  # nearer than this share of the typical distance: probably a copy
SEED = 99
BATCH = 1000


@dataclass
class Neighbours:
    pictures: torch.Tensor  # (k, C, H, W) in [-1, 1], nearest first
    distances: list[float]
    labels: list[str]  # the training pictures' labels, when the data set has them
    typical: float  # median distance from a training picture to its nearest other one
    space: str  # where "near" is measured
    searched: int  # training pictures searched

    @property
    def ratio(self) -> float:
        return self.distances[0] / self.typical if self.typical > 0 else float("inf")

    def verdict(self) -> str:
        """In words: is the sample a copy of a training picture?"""
        r = self.ratio
        where = f"among {self.searched:,} training pictures, in {self.space}"
        if r < COPY_SHARE:
            return (f"Probably a copy: the nearest training picture is {r:.0%} of the usual "
                    f"distance between two training pictures away ({where}).")
        if r < 0.6:
            return (f"Close to a training picture ({r:.0%} of the usual distance between two "
                    f"training pictures, {where}): compare them.")
        return (f"Not a copy: the nearest training picture is {r:.0%} of the usual distance "
                f"between two training pictures away ({where}).")


class NearestPictures:
    """Features of (up to ``MAX_PICTURES``) training pictures, computed once; ``query`` finds
    the nearest to any generated picture."""

    def __init__(self, source, progress: Callable[[int, int, str], None] | None = None,
                 max_pictures: int = MAX_PICTURES):
        count = source.count or max_pictures
        n = min(count, max_pictures)
        self.pictures, labels = source.preview(n, seed=SEED)
        self.labels = labels
        self.label_names = list(getattr(source, "label_names", None) or [])
        self.space_net = clf.load_classifier(source.id) if clf.has_classifier(source.id) \
            else None
        self.space = (self.space_net.space if self.space_net is not None
                      else f"pixels at {PIXEL_SIDE} x {PIXEL_SIDE}")
        feats = []
        for i in range(0, len(self.pictures), BATCH):
            feats.append(self._embed(self.pictures[i:i + BATCH]))
            if progress:
                progress(min(i + BATCH, len(self.pictures)), len(self.pictures),
                         "Reading the training pictures")
        self.features = torch.cat(feats) if feats else torch.zeros(0, 1)
        self.typical = self._typical()

    def _embed(self, x: torch.Tensor) -> torch.Tensor:
        if self.space_net is not None:
            return self.space_net.run(x)[0].float()
        x = x.detach().float().cpu()
        if x.shape[-1] != PIXEL_SIDE:
            x = torch.nn.functional.interpolate(x, size=(PIXEL_SIDE, PIXEL_SIDE), mode="area")
        return x.reshape(len(x), -1)

    def _typical(self) -> float:
        """Median distance from a training picture to its nearest other one (500 of them)."""
        f = self.features
        if len(f) < 2:
            return 0.0
        probe = f[:500]
        d = torch.cdist(probe, f)
        d[torch.arange(len(probe)), torch.arange(len(probe))] = float("inf")  # not itself
        return float(d.min(1).values.median())

    @torch.no_grad()
    def query(self, picture: torch.Tensor, k: int = 6) -> Neighbours:
        """The ``k`` training pictures nearest ``picture`` ((C, H, W) or (1, C, H, W), in
        [-1, 1], the generator's output)."""
        x = picture if picture.dim() == 4 else picture[None]
        f = self._embed(x)
        # exact distances (the matrix-product shortcut is off by ~1e-2 for identical pictures)
        d = torch.cdist(f, self.features, compute_mode="donot_use_mm_for_euclid_dist")[0]
        k = min(k, len(d))
        dist, idx = d.topk(k, largest=False)
        labels = []
        if self.labels is not None and self.label_names:
            labels = [self.label_names[int(self.labels[i])] for i in idx]
        return Neighbours(self.pictures[idx], [float(v) for v in dist], labels, self.typical,
                          self.space, len(self.features))
