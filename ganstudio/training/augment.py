"""What the discriminator sees: DiffAugment and instance noise.

DiffAugment (Zhao et al., "Differentiable Augmentation for Data-Efficient GAN Training", 2020)
alters real and generated pictures alike with differentiable operations, in the discriminator's
step and the generator's, so D cannot memorise a small data set and G still gets gradients.
The strengths follow the paper: brightness +-0.5, saturation x[0, 2], contrast x[0.5, 1.5],
shifts up to 1/8 of the picture, a cut-out square of half the picture's side.
"""

from __future__ import annotations

import torch


def _rand(x: torch.Tensor, gen: torch.Generator, *shape: int) -> torch.Tensor:
    return torch.rand(len(x), *shape, generator=gen, device=x.device, dtype=x.dtype)


def color(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    x = x + (_rand(x, gen, 1, 1, 1) - 0.5)
    mean = x.mean(1, keepdim=True)
    x = (x - mean) * (_rand(x, gen, 1, 1, 1) * 2) + mean
    mean = x.mean((1, 2, 3), keepdim=True)
    return (x - mean) * (_rand(x, gen, 1, 1, 1) + 0.5) + mean


def translation(x: torch.Tensor, gen: torch.Generator, ratio: float = 0.125) -> torch.Tensor:
    """Shift each picture by a random whole number of pixels, filling with zeros."""
    n, _, h, w = x.shape
    sh, sw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    dy = torch.randint(-sh, sh + 1, (n, 1, 1), generator=gen, device=x.device)
    dx = torch.randint(-sw, sw + 1, (n, 1, 1), generator=gen, device=x.device)
    rows = torch.arange(h, device=x.device).view(1, h, 1) - dy  # source row of each output row
    cols = torch.arange(w, device=x.device).view(1, 1, w) - dx
    inside = (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)
    batch = torch.arange(n, device=x.device).view(n, 1, 1)
    moved = x.permute(0, 2, 3, 1)[batch, rows.clamp(0, h - 1), cols.clamp(0, w - 1)]
    return (moved * inside.unsqueeze(-1).to(x.dtype)).permute(0, 3, 1, 2)


def cutout(x: torch.Tensor, gen: torch.Generator, ratio: float = 0.5) -> torch.Tensor:
    """Blank a random square of side ratio * size (partly outside the picture at the edges)."""
    n, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    oy = torch.randint(0, h + (1 - ch % 2), (n, 1, 1), generator=gen, device=x.device)
    ox = torch.randint(0, w + (1 - cw % 2), (n, 1, 1), generator=gen, device=x.device)
    top = torch.arange(h, device=x.device).view(1, h, 1) - (oy - ch // 2)
    left = torch.arange(w, device=x.device).view(1, 1, w) - (ox - cw // 2)
    hole = (top >= 0) & (top < ch) & (left >= 0) & (left < cw)
    return x * (~hole).unsqueeze(1).to(x.dtype)


POLICIES = {"color": color, "translation": translation, "cutout": cutout}


def diff_augment(x: torch.Tensor, policies: list[str], gen: torch.Generator) -> torch.Tensor:
    for p in policies:
        x = POLICIES[p](x, gen)
    return x


def instance_noise_std(start: float, step: int, total_steps: int) -> float:
    """Instance noise (Sønderby et al. 2017; Arjovsky & Bottou 2017), annealed linearly to zero
    over the run's step budget; constant when the run has no budget."""
    if start <= 0:
        return 0.0
    if total_steps <= 0:
        return start
    return start * max(0.0, 1.0 - step / total_steps)
