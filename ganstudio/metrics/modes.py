"""Mode coverage on the 2-D Gaussian mixtures, as in VEEGAN (Srivastava et al. 2017, Table 1)
and PacGAN (Lin et al. 2018, Table 1).

A generated sample is high quality (HQ) when it lies within 3 standard deviations of its nearest
mode's mean. A mode is captured when at least one HQ sample has it as nearest mean. The reverse
KL is KL(p || uniform), p the histogram of HQ samples over the modes, in nats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

EVAL_SAMPLES = 2500  # the number of generated samples the papers evaluate on


@dataclass(frozen=True)
class ModeCoverage:
    modes: int  # modes captured
    total_modes: int
    hq_fraction: float  # share of samples within 3 std of a mode
    reverse_kl: float  # nats; inf when no sample is HQ
    counts: tuple[int, ...]  # HQ samples per mode

    def summary(self) -> str:
        return (f"modes {self.modes}/{self.total_modes}, {100 * self.hq_fraction:.1f}% of samples "
                f"within 3 std of a mode, reverse KL {self.reverse_kl:.3f}")


def mode_coverage(samples: torch.Tensor, means: torch.Tensor, std: float) -> ModeCoverage:
    samples = samples.detach().double().cpu()
    means = means.double()
    dist = torch.cdist(samples, means)
    nearest_dist, nearest = dist.min(1)
    hq = nearest_dist <= 3 * std
    counts = torch.bincount(nearest[hq], minlength=len(means))
    n_hq = int(counts.sum())
    if n_hq:
        p = counts.double() / n_hq
        k = len(means)
        nz = p > 0
        rkl = float((p[nz] * (p[nz] * k).log()).sum())
    else:
        rkl = math.inf
    return ModeCoverage(int((counts > 0).sum()), len(means), n_hq / max(len(samples), 1), rkl,
                        tuple(int(c) for c in counts))
