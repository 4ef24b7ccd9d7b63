"""Latent-space tools: paths between points and directions worth a slider.

- ``lerp`` / ``slerp``: straight and spherical interpolation. Spherical paths keep the norm of
  Gaussian noise typical all the way (a straight path between two typical points passes closer
  to the origin, where the generator has seen little; White 2016, "Sampling Generative Networks").
- ``principal_directions``: GANSpace-style (Härkönen et al. 2020) directions for large latents.
  Noise is isotropic, so PCA of z alone says nothing; what matters is what G does with it. We fit a
  linear map from z to G's output over sampled points and take its leading left singular vectors:
  orthonormal latent directions, ordered by how much of the output's variance each explains.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


def lerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor | float) -> torch.Tensor:
    t = torch.as_tensor(t, dtype=a.dtype)
    if t.ndim == 1:
        t = t[:, None]
    return a + (b - a) * t


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor | float) -> torch.Tensor:
    """Spherical interpolation of two latent vectors (Shoemake 1985), with their norms
    interpolated linearly. ``t`` a number or a 1-D tensor (one output row per value)."""
    t = torch.as_tensor(t, dtype=a.dtype)
    squeeze = t.ndim == 0
    t = t.reshape(-1, 1)
    na, nb = a.norm(), b.norm()
    ua, ub = a / na.clamp(min=1e-12), b / nb.clamp(min=1e-12)
    cos = (ua * ub).sum().clamp(-1.0, 1.0)
    omega = torch.arccos(cos)
    so = torch.sin(omega)
    if so.abs() < 1e-6:  # (anti)parallel: the arc is undefined, fall back to a straight path
        direction = ua + (ub - ua) * t
        direction = direction / direction.norm(dim=1, keepdim=True).clamp(min=1e-12)
    else:
        direction = (torch.sin((1 - t) * omega) * ua + torch.sin(t * omega) * ub) / so
    out = direction * (na + (nb - na) * t)
    return out[0] if squeeze else out


def path(a: torch.Tensor, b: torch.Tensor, frames: int, kind: str = "slerp") -> torch.Tensor:
    """``frames`` points from a to b inclusive."""
    t = torch.linspace(0, 1, frames, dtype=a.dtype)
    return slerp(a, b, t) if kind == "slerp" else lerp(a, b, t)


@dataclass
class Directions:
    vectors: torch.Tensor  # (k, latent_dim), orthonormal rows
    explained: torch.Tensor  # (k,) share of the linearly explained output variance


@torch.no_grad()
def principal_directions(G, latent_dim: int, k: int = 10, samples: int = 1024,
                         y: torch.Tensor | None = None, seed: int = 0) -> Directions:
    gen = torch.Generator().manual_seed(seed)
    z = torch.randn(samples, latent_dim, generator=gen)
    if y is None and getattr(G, "num_classes", 0):
        y = torch.randint(G.num_classes, (samples,), generator=gen)
    out = G(z, y).reshape(samples, -1).double()
    if out.shape[1] > 4096:  # large pictures: a 4x smaller copy carries the same directions
        out = torch.nn.functional.avg_pool2d(G(z, y).double(), 4).reshape(samples, -1)
    zc = z.double() - z.double().mean(0)
    oc = out - out.mean(0)
    # least squares: out ~ z @ A ; A is (latent_dim, outputs)
    A = torch.linalg.lstsq(zc, oc).solution
    U, S, _ = torch.linalg.svd(A, full_matrices=False)
    k = min(k, latent_dim)
    var = S**2
    return Directions(U[:, :k].T.float().contiguous(), (var[:k] / var.sum()).float())


def random_directions(latent_dim: int, k: int, seed: int = 0) -> torch.Tensor:
    """``k`` random orthonormal directions (rows)."""
    g = torch.Generator().manual_seed(seed)
    q, _ = torch.linalg.qr(torch.randn(latent_dim, k, generator=g, dtype=torch.float64))
    return q.T.float().contiguous()


def truncate(z: torch.Tensor, psi: float, centre: torch.Tensor | None = None) -> torch.Tensor:
    """The truncation trick (Brock et al. 2019; Karras et al. 2019): pull z toward the centre of
    the noise by ``psi`` (1 = unchanged, 0 = the centre); trades variety for typicality."""
    centre = torch.zeros_like(z) if centre is None else centre
    return centre + psi * (z - centre)
