"""The GAN losses and penalties, as functions of the discriminator's raw scores (logits).

For the probability losses, D(x) = sigmoid(score); written with softplus for stability:
log D(x) = -softplus(-s) and log(1 - D(x)) = -softplus(s).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import autograd

LOSS_NAMES = ("minimax", "nonsaturating", "lsgan", "wgan", "wgan-gp", "hinge")


def _bce(score: torch.Tensor, target: float) -> torch.Tensor:
    """Binary cross-entropy of sigmoid(score) against a constant target, per sample."""
    return target * F.softplus(-score) + (1.0 - target) * F.softplus(score)


def d_loss(name: str, real: torch.Tensor, fake: torch.Tensor,
           label_smoothing: float = 0.0) -> torch.Tensor:
    """The discriminator's loss on scores of real and generated samples.

    One-sided label smoothing (Salimans et al. 2016) aims real scores at 1 - label_smoothing.
    """
    target = 1.0 - label_smoothing
    if name in ("minimax", "nonsaturating"):
        return _bce(real, target).mean() + _bce(fake, 0.0).mean()
    if name == "lsgan":  # Mao et al. 2017, targets b = 1 (real), a = 0 (fake)
        return 0.5 * ((real - target) ** 2).mean() + 0.5 * (fake ** 2).mean()
    if name in ("wgan", "wgan-gp"):  # the critic maximises E[D(x)] - E[D(G(z))]
        return fake.mean() - real.mean()
    if name == "hinge":
        return F.relu(1.0 - real).mean() + F.relu(1.0 + fake).mean()
    raise ValueError(f"unknown loss '{name}'")


def g_loss(name: str, fake: torch.Tensor) -> torch.Tensor:
    if name == "minimax":  # minimise log(1 - D(G(z))): saturates when D wins
        return -F.softplus(fake).mean()
    if name == "nonsaturating":  # maximise log D(G(z))
        return F.softplus(-fake).mean()
    if name == "lsgan":  # target c = 1
        return 0.5 * ((fake - 1.0) ** 2).mean()
    if name in ("wgan", "wgan-gp", "hinge"):
        return -fake.mean()
    raise ValueError(f"unknown loss '{name}'")


def displayed_score(name: str, score: torch.Tensor) -> torch.Tensor:
    """What 'D(x)' means to a person: a probability for the probability losses, else the raw
    score (a least-squares target, a critic value or a hinge margin)."""
    if name in ("minimax", "nonsaturating"):
        return torch.sigmoid(score)
    return score


def gradient_penalty(D, real: torch.Tensor, fake: torch.Tensor, y: torch.Tensor | None,
                     gen: torch.Generator) -> torch.Tensor:
    """WGAN-GP (Gulrajani et al. 2017): E[(||grad D(x_hat)|| - 1)^2] at random points x_hat
    on lines between real and generated samples."""
    eps = torch.rand((len(real),) + (1,) * (real.ndim - 1), generator=gen, device=real.device,
                     dtype=real.dtype)
    x_hat = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(True)
    (g,) = autograd.grad(D(x_hat, y).sum(), x_hat, create_graph=True)
    return ((g.flatten(1).pow(2).sum(1) + 1e-12).sqrt() - 1.0).pow(2).mean()


def r1_penalty(real_scores: torch.Tensor, real_inputs: torch.Tensor) -> torch.Tensor:
    """R1 (Mescheder et al. 2018): E[||grad D(x)||^2] on real data, from the scores D gave the
    inputs (which must require grad), reusing that forward pass. The caller weights it by
    gamma / 2."""
    (g,) = autograd.grad(real_scores.sum(), real_inputs, create_graph=True)
    return g.flatten(1).pow(2).sum(1).mean()
