"""Residual networks for pictures, in the spirit of R3GAN (Huang et al. 2024), sized for a
processor.

R3GAN's point: with a well-behaved loss (the relativistic pairing loss plus the R1 and R2
penalties, ganstudio/objectives.py) a plain residual network trains stably with no
normalisation layers and none of StyleGAN's tricks. Here:

- a residual block is x + f(x), f a bottleneck: 1x1 convolution to ``channels // BOTTLENECK``,
  3x3 convolution, 1x1 convolution back, leaky ReLU (0.2) between them; no normalisation;
- fix-up initialisation (Zhang et al. 2019, as R3GAN does): the last layer of every block starts
  at zero, so each block starts as the identity, and the other layers are He-initialised and
  scaled by L^(-1/4) for L blocks (the rule for three-layer branches), so the network's output
  does not grow with its depth;
- the generator: noise (+ one-hot label) -> linear -> 4 x 4, a block at each size, doubled by
  bilinear upsampling and a 1x1 convolution that halves the channels, tanh out;
- the discriminator, its mirror: a 1x1 convolution from the picture, a block at each size,
  halved by average pooling and a 1x1 convolution that doubles the channels; at 4 x 4 a linear
  layer to features, the score, and the label projection (as DCGAN's).

Channels follow DCGAN's layout: ``width`` at half the picture's size, doubling at each halving
(``width // 2`` at the picture's own size), so g_width and d_width mean what they mean there.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrize

from ganstudio.models.base import Discriminator, Generator, _maybe_sn
from ganstudio.models.spec import ModelSpec, channels_at, sizes

BOTTLENECK = 2  # a block's middle has channels // BOTTLENECK (cheap on a processor)
SLOPE = 0.2  # leaky ReLU


def _weight(m: nn.Module) -> torch.Tensor:
    return m.parametrizations.weight.original if parametrize.is_parametrized(m, "weight") \
        else m.weight


def _he(m: nn.Module, scale: float = 1.0) -> None:
    w = _weight(m)
    nn.init.kaiming_normal_(w, a=SLOPE, nonlinearity="leaky_relu")
    with torch.no_grad():
        w.mul_(scale)
    if getattr(m, "bias", None) is not None:
        nn.init.zeros_(m.bias)


class Block(nn.Module):
    """x + f(x), f = 1x1 -> 3x3 -> 1x1 with leaky ReLUs between; no normalisation."""

    def __init__(self, channels: int, sn: bool = False):
        super().__init__()
        mid = max(4, channels // BOTTLENECK)
        self.reduce = _maybe_sn(nn.Conv2d(channels, mid, 1), sn)
        self.conv = _maybe_sn(nn.Conv2d(mid, mid, 3, padding=1), sn)
        self.expand = _maybe_sn(nn.Conv2d(mid, channels, 1), sn)
        self.sn = sn

    def init(self, blocks: int) -> None:
        scale = blocks ** -0.25  # fix-up: L^(-1 / (2 (m - 1))) for m = 3 layers
        _he(self.reduce, scale)
        _he(self.conv, scale)
        if self.sn:  # a zero matrix has no largest singular value to divide by: start small
            _he(self.expand, 1e-2)
        else:
            nn.init.zeros_(self.expand.weight)
            nn.init.zeros_(self.expand.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.leaky_relu(self.reduce(x), SLOPE)
        h = F.leaky_relu(self.conv(h), SLOPE)
        return x + self.expand(h)


class ResNetGenerator(Generator):
    def __init__(self, spec: ModelSpec):
        super().__init__(spec)
        s = sizes(spec.image_size)
        ch = [channels_at(r, spec.image_size, spec.g_width) for r in s]
        self.start_channels = ch[0]
        self.fc = nn.Linear(spec.latent_dim + spec.num_classes, ch[0] * 16)
        self.blocks = nn.ModuleList(Block(c) for c in ch)
        self.ups = nn.ModuleList(nn.Conv2d(a, b, 1) for a, b in zip(ch[:-1], ch[1:]))
        self.out = nn.Conv2d(ch[-1], spec.channels, 3, padding=1)
        _he(self.fc)
        for u in self.ups:
            _he(u)
        for b in self.blocks:
            b.init(len(self.blocks))
        nn.init.normal_(self.out.weight, 0.0, 0.02)  # starts near grey: tanh far from saturating
        nn.init.zeros_(self.out.bias)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        h = self.fc(self._input(z, y)).view(z.shape[0], self.start_channels, 4, 4)
        for i, block in enumerate(self.blocks):
            if i:
                h = self.ups[i - 1](F.interpolate(h, scale_factor=2, mode="bilinear",
                                                  align_corners=False))
            h = block(h)
        return torch.tanh(self.out(F.leaky_relu(h, SLOPE)))


class ResNetDiscriminator(Discriminator):
    def __init__(self, spec: ModelSpec):
        s = sizes(spec.image_size)[::-1]  # picture size first
        ch = [channels_at(r, spec.image_size, spec.d_width) for r in s]
        super().__init__(spec, ch[-1])
        sn = spec.spectral_norm
        self.inp = _maybe_sn(nn.Conv2d(spec.channels, ch[0], 1), sn)
        self.blocks = nn.ModuleList(Block(c, sn) for c in ch)
        self.downs = nn.ModuleList(_maybe_sn(nn.Conv2d(a, b, 1), sn)
                                   for a, b in zip(ch[:-1], ch[1:]))
        self.fc = _maybe_sn(nn.Linear(ch[-1] * 16, ch[-1]), sn)
        self.out = _maybe_sn(nn.Linear(ch[-1], 1), sn)
        for m in (self.inp, self.fc, self.out, *self.downs):
            _he(m)
        for b in self.blocks:
            b.init(len(self.blocks))
        if self.embed is not None:  # a projection of the size of the score's own term
            nn.init.normal_(_weight(self.embed), 0.0, ch[-1] ** -0.5)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        h = self.inp(x)
        for i, block in enumerate(self.blocks):
            if i:
                h = self.downs[i - 1](F.avg_pool2d(h, 2))
            h = block(h)
        h = F.leaky_relu(self.fc(F.leaky_relu(h, SLOPE).flatten(1)), SLOPE)
        return self._project(self.out(h).squeeze(1), h, y)
