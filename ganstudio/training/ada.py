"""Adaptive augmentation (ADA: Karras et al., "Training Generative Adversarial Networks with
Limited Data", 2020), with DiffAugment's operations (training/augment.py).

Every picture the discriminator sees, real or generated, in its step and the generator's, goes
through each chosen operation with probability p (each picture and operation drawn apart). p
follows how much the discriminator overfits: every ``INTERVAL`` discriminator updates,

    r_t = E[sign(D(real) - D(fake))]   over the pairs of real and generated pictures seen,

and p moves up when r_t is above the target (0.6 by default), down when below, by a step that
would take it from 0 to 1 in ``SPEED_IMAGES`` real pictures. ADA's own signal is E[sign(D(real))],
which needs scores whose zero means "undecided"; the relativistic and Wasserstein losses' scores
have no such zero, so the pairs' ordering (how often D ranks the real picture of a pair above
the generated one) stands in for it, the same for every loss. With few pictures D learns them by
heart, ranks almost every pair right, and p climbs; with many, r_t stays near the target and p
stays low, so a large data set is barely touched.

p is kept in checkpoints: a resumed run goes on with the same p.
"""

from __future__ import annotations

import torch

from ganstudio.training.augment import POLICIES

INTERVAL = 4  # discriminator updates between two adjustments (ADA's N = 4)
# real pictures over which p could go from 0 to 1 (ADA: 500k for runs of tens of millions of
# pictures; a run here sees a few hundred thousand, so p must move faster)
SPEED_IMAGES = 50_000
MAX_P = 0.8  # above ~0.8 augmentations start to leak into the generated pictures (ADA, fig. 3)


class AdaptiveAugment:
    """p, and the overfitting signal gathered since its last adjustment."""

    def __init__(self, policies: list[str], target: float, p: float = 0.0):
        self.policies = list(policies)
        self.target = float(target)
        self.p = float(p)
        self._sum = None  # the signs summed since the last adjustment (a tensor: no sync)
        self._count = 0
        self._updates = 0
        self.signal = 0.0  # the last r_t

    @classmethod
    def for_config(cls, config) -> "AdaptiveAugment | None":
        lc = config.loss
        if lc.augment != "adaptive":
            return None
        return cls(lc.diffaugment or list(POLICIES), lc.ada_target)

    def apply(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        """Each operation on each picture with probability p (p = 0: the pictures as they are,
        and no random number drawn)."""
        if self.p <= 0 or x.ndim != 4:
            return x
        n = len(x)
        for name in self.policies:
            on = torch.rand(n, generator=gen, device=x.device) < self.p
            changed = POLICIES[name](x, gen)
            x = torch.where(on.view(n, 1, 1, 1), changed, x)
        return x

    def observe(self, s_real: torch.Tensor, s_fake: torch.Tensor) -> None:
        """After a discriminator update: its scores of the real and generated pictures; every
        INTERVAL updates p moves."""
        with torch.no_grad():
            k = min(len(s_real), len(s_fake))
            signs = torch.sign(s_real[:k].float() - s_fake[:k].float()).sum()
            self._sum = signs if self._sum is None else self._sum + signs
            self._count += k
            self._updates += 1
        if self._updates >= INTERVAL:
            self.adjust()

    def adjust(self) -> None:
        if not self._count:
            return
        self.signal = float(self._sum) / self._count
        step = self._count / SPEED_IMAGES
        direction = 1.0 if self.signal > self.target else -1.0
        self.p = min(MAX_P, max(0.0, self.p + direction * step))
        self._sum, self._count, self._updates = None, 0, 0

    def state(self) -> dict:
        return {"p": self.p, "signal": self.signal}

    def load(self, state: dict | None) -> None:
        if state:
            self.p = float(state.get("p", 0.0))
            self.signal = float(state.get("signal", 0.0))
        self._sum, self._count, self._updates = None, 0, 0
