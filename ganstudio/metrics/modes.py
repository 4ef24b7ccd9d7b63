"""Points in the plane: mode coverage on the 2-D Gaussian mixtures, as in VEEGAN (Srivastava et
al. 2017, Table 1) and PacGAN (Lin et al. 2018, Table 1); and for any 2-D data a density
divergence over a grid of bins (``density_divergence``, below).

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


# --- any 2-D data: a density divergence over a grid of bins ------------------------------------
DENSITY_BINS = 40  # per side: 1,600 cells, ~1.6 samples a cell at 2,500 samples


@dataclass(frozen=True)
class DensityDivergence:
    js: float  # Jensen-Shannon divergence, nats, in [0, ln 2]
    outside: float  # share of generated samples outside the plot's box
    bins: int

    def summary(self) -> str:
        return (f"density JS divergence {self.js:.3f} nats (0 = same, {math.log(2):.3f} = no "
                f"overlap), {100 * self.outside:.1f}% of samples off the chart")


def _binned(points: torch.Tensor, bounds, bins: int) -> torch.Tensor:
    """Counts per cell of a bins x bins grid over ``bounds``, plus one last cell for the points
    outside the box (so mass thrown off the chart counts against the generator)."""
    x0, x1, y0, y1 = bounds
    p = points.detach().double().cpu()
    ix = ((p[:, 0] - x0) / (x1 - x0) * bins).floor()
    iy = ((p[:, 1] - y0) / (y1 - y0) * bins).floor()
    inside = (ix >= 0) & (ix < bins) & (iy >= 0) & (iy < bins) & torch.isfinite(p).all(1)
    cell = torch.where(inside, iy * bins + ix, torch.full_like(ix, bins * bins)).long()
    return torch.bincount(cell, minlength=bins * bins + 1).double()


def _smooth(counts: torch.Tensor, bins: int) -> torch.Tensor:
    """A 3 x 3 binomial blur of the grid (weights 1-2-1 each way): two samples a cell apart
    then count as near, not as two unrelated cells; the outside cell is kept as it is."""
    grid = counts[:-1].view(1, 1, bins, bins)
    k = torch.tensor([1.0, 2.0, 1.0], dtype=torch.float64)
    kernel = (k[:, None] * k[None, :] / 16).view(1, 1, 3, 3)
    # replicate padding keeps the mass near the edges on the grid
    blurred = torch.nn.functional.conv2d(torch.nn.functional.pad(grid, (1, 1, 1, 1),
                                                                 mode="replicate"), kernel)
    return torch.cat([blurred.reshape(-1), counts[-1:]])


def density_divergence(generated: torch.Tensor, real: torch.Tensor, bounds,
                       bins: int = DENSITY_BINS) -> DensityDivergence:
    """Jensen-Shannon divergence between the binned, smoothed histograms of generated and real
    points over ``bounds`` (xmin, xmax, ymin, ymax): for ANY 2-D data, no modes needed.

    The histogram view is GAN Lab's (Kahng et al. 2019) density picture turned into a number.
    JS rather than KL: it is finite when one histogram has empty cells, symmetric, and bounded
    by ln 2 (Lin 1991). It has a floor above 0 from sampling noise: two sets of real points
    score it too (``eval`` prints that floor beside it)."""
    g, r = _binned(generated, bounds, bins), _binned(real, bounds, bins)
    n_g = float(g.sum())
    p, q = _smooth(g, bins), _smooth(r, bins)
    p, q = p / p.sum(), q / q.sum()
    m = (p + q) / 2

    def kl(a: torch.Tensor) -> float:
        nz = a > 0
        return float((a[nz] * (a[nz] / m[nz]).log()).sum())

    js = 0.5 * kl(p) + 0.5 * kl(q)
    return DensityDivergence(max(js, 0.0), float(g[-1]) / max(n_g, 1.0), bins)
