"""Distances between two sets of feature vectors: real pictures and generated ones.

The feature space is the caller's (Inception for FID, GAN Studio's own classifiers); these
functions only compare vectors. Everything is computed in float64 on the CPU.

- Fréchet distance (Heusel et al. 2017, "GANs trained by a two time-scale update rule"): the
  distance between two Gaussians fitted to the features. Biased upwards at small N (the
  covariance estimates are noisy), so only compare values at the same N.
- KID, kernel distance (Bińkowski et al. 2018, "Demystifying MMD GANs"): the unbiased squared
  MMD with the cubic polynomial kernel k(x, y) = (x.y / d + 1)^3, averaged over random subsets.
  Unbiased: its expected value is 0 for two sets from the same distribution at any N.
- Precision and recall (Kynkäänniemi et al. 2019), density and coverage (Naeem et al. 2020),
  from k-nearest-neighbour balls around the real and generated features.

Written here rather than taken from torchmetrics: the features come from two spaces and are
computed once and reused (the real side is cached, the live window evaluates a few hundred
samples at a time), so the statistics are a few lines of linear algebra over arrays we already
hold; the tests check them against independent formulas.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch


def _as_array(x) -> np.ndarray:
    if torch.is_tensor(x):
        x = x.detach().cpu().numpy()
    a = np.asarray(x, dtype=np.float64)
    if a.ndim != 2:
        raise ValueError(f"features must be (N, D), got shape {a.shape}")
    return a


# --- Fréchet distance ----------------------------------------------------------------------------
def gaussian_stats(features) -> tuple[np.ndarray, np.ndarray]:
    """Mean and (unbiased, N - 1) covariance of (N, D) features."""
    f = _as_array(features)
    if len(f) < 2:
        raise ValueError("the Fréchet distance needs at least 2 samples a side")
    return f.mean(0), np.cov(f, rowvar=False).reshape(f.shape[1], f.shape[1])


def _sqrt_psd(s: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh((s + s.T) / 2)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def frechet_distance_from_stats(mu1, sigma1, mu2, sigma2) -> float:
    """||mu1 - mu2||^2 + tr(S1 + S2 - 2 (S1 S2)^(1/2)).

    tr((S1 S2)^(1/2)) is computed as the sum of the square roots of the eigenvalues of the
    symmetric matrix S1^(1/2) S2 S1^(1/2), which has the same eigenvalues as S1 S2 but is
    symmetric positive semi-definite: no complex parts, no failing matrix square root when the
    covariances are singular (fewer samples than dimensions)."""
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    s1, s2 = np.asarray(sigma1, np.float64), np.asarray(sigma2, np.float64)
    r1 = _sqrt_psd(s1)
    middle = r1 @ s2 @ r1
    eig = np.linalg.eigvalsh((middle + middle.T) / 2)
    tr_covmean = float(np.sqrt(np.clip(eig, 0, None)).sum())
    diff = mu1 - mu2
    fd = float(diff @ diff + np.trace(s1) + np.trace(s2) - 2 * tr_covmean)
    return max(fd, 0.0)


def frechet_distance(real, fake) -> float:
    """FD between two feature sets. With fewer samples than dimensions (Inception's 2048 at a
    few hundred pictures) it is computed from the samples: with A, B the centred features,
    S1 = A'A / (n1 - 1) and S2 = B'B / (n2 - 1), the non-zero eigenvalues of S1 S2 are the
    squared singular values of A B' / sqrt((n1 - 1)(n2 - 1)), so tr((S1 S2)^(1/2)) is that
    matrix's nuclear norm: an n1 x n2 SVD instead of two D x D eigendecompositions."""
    x, y = _as_array(real), _as_array(fake)
    if len(x) < 2 or len(y) < 2:
        raise ValueError("the Fréchet distance needs at least 2 samples a side")
    if min(len(x), len(y)) >= x.shape[1]:
        return frechet_distance_from_stats(*gaussian_stats(x), *gaussian_stats(y))
    a, b = x - x.mean(0), y - y.mean(0)
    ca, cb = len(x) - 1, len(y) - 1
    tr_covmean = float(np.linalg.svd(a @ b.T, compute_uv=False).sum()) / math.sqrt(ca * cb)
    diff = x.mean(0) - y.mean(0)
    fd = float(diff @ diff + (a * a).sum() / ca + (b * b).sum() / cb - 2 * tr_covmean)
    return max(fd, 0.0)


# --- KID ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class KID:
    mean: float
    std: float  # spread over the subsets
    subsets: int
    subset_size: int


def _mmd2_unbiased(x: np.ndarray, y: np.ndarray) -> float:
    d = x.shape[1]
    m = len(x)
    kxx = (x @ x.T / d + 1) ** 3
    kyy = (y @ y.T / d + 1) ** 3
    kxy = (x @ y.T / d + 1) ** 3
    # unbiased: the diagonal k(x_i, x_i) terms are left out of the within-set sums
    sxx = (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
    syy = (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
    return float(sxx + syy - 2 * kxy.mean())


def kernel_distance(real, fake, *, subsets: int = 100, subset_size: int = 1000,
                    seed: int = 0) -> KID:
    """KID (Bińkowski et al. 2018): unbiased MMD^2, cubic polynomial kernel, averaged over
    ``subsets`` random subsets of ``subset_size`` (capped at the smaller set's size), as in
    their reference code. It can come out slightly below 0 for two samples of one
    distribution."""
    x, y = _as_array(real), _as_array(fake)
    m = min(subset_size, len(x), len(y))
    if m < 2:
        raise ValueError("KID needs at least 2 samples a side")
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(subsets):
        ix = rng.choice(len(x), m, replace=False)
        iy = rng.choice(len(y), m, replace=False)
        values.append(_mmd2_unbiased(x[ix], y[iy]))
        if m == len(x) == len(y):
            break  # every subset would be the whole set: one is enough
    v = np.asarray(values)
    return KID(float(v.mean()), float(v.std()), len(v), m)


# --- precision, recall, density, coverage --------------------------------------------------------
@dataclass(frozen=True)
class PRDC:
    precision: float  # share of generated samples inside the real data's manifold
    recall: float  # share of real samples inside the generated samples' manifold
    density: float  # like precision, counting how many real balls hold each sample (~1 ideal)
    coverage: float  # share of real samples whose ball holds at least one generated sample
    k: int


def _kth_neighbour_radius(x: torch.Tensor, k: int) -> torch.Tensor:
    d = torch.cdist(x, x)
    # the (k+1)-th smallest distance: the smallest is the point itself (0)
    return d.kthvalue(k + 1, dim=1).values


def prdc(real, fake, k: int = 5) -> PRDC:
    """Kynkäänniemi et al. 2019 (precision, recall) and Naeem et al. 2020 (density, coverage),
    k = 5 nearest neighbours as both papers recommend."""
    x = torch.from_numpy(_as_array(real))
    y = torch.from_numpy(_as_array(fake))
    if len(x) <= k or len(y) <= k:
        raise ValueError(f"precision/recall need more than k = {k} samples a side")
    rx = _kth_neighbour_radius(x, k)  # real balls
    ry = _kth_neighbour_radius(y, k)  # generated balls
    d = torch.cdist(x, y)  # (real, fake)
    in_real_ball = d <= rx[:, None]
    precision = float(in_real_ball.any(0).double().mean())
    recall = float((d <= ry[None, :]).any(1).double().mean())
    density = float(in_real_ball.double().sum() / (k * len(y)))
    coverage = float((d.min(1).values <= rx).double().mean())
    return PRDC(precision, recall, density, coverage, k)


# --- classes -----------------------------------------------------------------------------------
MADE_SHARE = 0.2  # a class is "made" when it gets at least 20% of its fair share of samples


@dataclass(frozen=True)
class ClassCoverage:
    made: int  # classes that get at least MADE_SHARE of their fair share
    total: int
    evenness: float  # entropy of the class shares / ln(total): 1 = all equal, 0 = one class
    counts: tuple[int, ...]

    def summary(self) -> str:
        return f"{self.made} of {self.total} classes made, evenness {self.evenness:.2f}"


def class_coverage(labels, num_classes: int) -> ClassCoverage:
    """How many classes a set of (predicted) labels contains, and how evenly.

    A few stray samples of a class (classifier mistakes on a collapsed generator) do not make it
    count: it needs MADE_SHARE / num_classes of the samples."""
    y = torch.as_tensor(labels).long().reshape(-1)
    if num_classes < 2:
        raise ValueError("class coverage needs at least 2 classes")
    counts = torch.bincount(y, minlength=num_classes)[:num_classes].double()
    n = float(counts.sum())
    if n == 0:
        return ClassCoverage(0, num_classes, 0.0, (0,) * num_classes)
    p = counts / n
    made = int((p >= MADE_SHARE / num_classes).sum())
    nz = p > 0
    entropy = float(-(p[nz] * p[nz].log()).sum()) + 0.0  # + 0.0: one class is 0, not -0
    return ClassCoverage(made, num_classes, entropy / math.log(num_classes),
                         tuple(int(c) for c in counts))
