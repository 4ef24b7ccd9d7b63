"""The generator and discriminator networks: MLP and DCGAN (the residual family is in resnet.py),
optionally conditional on a label.

Conditioning: the generator gets the label as a one-hot vector beside its noise (Mirza & Osindero
2014); the discriminator uses a projection (Miyato & Koyama 2018): its score gains the dot product
of a learned label embedding with its own features, which works with every loss.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn.utils import parametrize

from ganstudio.models.base import Discriminator, Generator, _maybe_sn
from ganstudio.models.resnet import ResNetDiscriminator, ResNetGenerator
from ganstudio.models.spec import ModelSpec


def dcgan_init(module: nn.Module) -> None:
    """Radford et al. 2016: weights from N(0, 0.02); batch-norm scales from N(1, 0.02)."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear, nn.Embedding)):
            # under spectral norm, m.weight is computed: initialise the stored original
            weight = (m.parametrizations.weight.original if parametrize.is_parametrized(m, "weight")
                      else m.weight)
            nn.init.normal_(weight, 0.0, 0.02)
            if getattr(m, "bias", None) is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


class MLPGenerator(Generator):
    def __init__(self, spec: ModelSpec):
        super().__init__(spec)
        out = math.prod(spec.sample_shape)
        dims = [spec.latent_dim + spec.num_classes] + [spec.g_width] * spec.layers
        body = []
        for a, b in zip(dims[:-1], dims[1:]):
            body += [nn.Linear(a, b), nn.ReLU()]
        self.body = nn.Sequential(*body)
        self.out = nn.Linear(dims[-1], out)
        # points live anywhere in the plane; pictures in [-1, 1]
        self.squash = spec.kind == "image"

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        x = self.out(self.body(self._input(z, y)))
        if self.squash:
            x = torch.tanh(x)
        return x.view(z.shape[0], *self.spec.sample_shape)  # shape[0]: a free batch in ONNX


class MLPDiscriminator(Discriminator):
    def __init__(self, spec: ModelSpec):
        super().__init__(spec, spec.d_width)
        sn = spec.spectral_norm
        dims = [math.prod(spec.sample_shape)] + [spec.d_width] * spec.layers
        body = []
        for a, b in zip(dims[:-1], dims[1:]):
            body += [_maybe_sn(nn.Linear(a, b), sn), nn.LeakyReLU(0.2)]
        self.body = nn.Sequential(*body)
        self.out = _maybe_sn(nn.Linear(dims[-1], 1), sn)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        h = self.body(x.flatten(1))
        return self._project(self.out(h).squeeze(1), h, y)


def _levels(image_size: int) -> int:
    """Number of 2x up/down-samplings between 4 x 4 and the picture size."""
    n = int(round(math.log2(image_size))) - 2
    if n < 1 or 4 * 2 ** n != image_size:
        raise ValueError(f"DCGAN needs a power-of-two picture size >= 8, got {image_size}")
    return n


class DCGANGenerator(Generator):
    """Radford et al. 2016: a 4 x 4 start, then transposed convolutions doubling the size,
    batch norm and ReLU, tanh out. Channels halve at each doubling, ending at g_width."""

    def __init__(self, spec: ModelSpec):
        super().__init__(spec)
        n = _levels(spec.image_size)
        ch = [spec.g_width * 2 ** (n - 1 - i) for i in range(n)]
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(spec.latent_dim + spec.num_classes, ch[0], 4, 1, 0, bias=False),
            nn.BatchNorm2d(ch[0]), nn.ReLU(True)]
        for a, b in zip(ch[:-1], ch[1:]):
            layers += [nn.ConvTranspose2d(a, b, 4, 2, 1, bias=False), nn.BatchNorm2d(b),
                       nn.ReLU(True)]
        layers += [nn.ConvTranspose2d(ch[-1], spec.channels, 4, 2, 1, bias=False), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        dcgan_init(self)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(self._input(z, y)[:, :, None, None])


class DCGANDiscriminator(Discriminator):
    """Strided convolutions halving the size with LeakyReLU(0.2), batch norm after the first
    layer when enabled, and a 4 x 4 convolution to one score."""

    def __init__(self, spec: ModelSpec):
        n = _levels(spec.image_size)
        ch = [spec.d_width * 2 ** i for i in range(n)]
        super().__init__(spec, ch[-1])
        sn = spec.spectral_norm
        layers: list[nn.Module] = [
            _maybe_sn(nn.Conv2d(spec.channels, ch[0], 4, 2, 1, bias=not spec.d_batchnorm), sn),
            nn.LeakyReLU(0.2, True)]
        for a, b in zip(ch[:-1], ch[1:]):
            layers.append(_maybe_sn(nn.Conv2d(a, b, 4, 2, 1, bias=not spec.d_batchnorm), sn))
            if spec.d_batchnorm:
                layers.append(nn.BatchNorm2d(b))
            layers.append(nn.LeakyReLU(0.2, True))
        self.features = nn.Sequential(*layers)
        self.out = _maybe_sn(nn.Conv2d(ch[-1], 1, 4, 1, 0), sn)
        dcgan_init(self)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        h = self.features(x)
        score = self.out(h).flatten()
        if self.embed is None:
            return score
        return self._project(score, h.sum((2, 3)), y)


def build_models(spec: ModelSpec) -> tuple[Generator, Discriminator]:
    if spec.family == "mlp":
        return MLPGenerator(spec), MLPDiscriminator(spec)
    if spec.family == "dcgan":
        if spec.kind != "image":
            raise ValueError("DCGAN makes pictures; use the MLP for points in the plane")
        return DCGANGenerator(spec), DCGANDiscriminator(spec)
    if spec.family == "resnet":
        if spec.kind != "image":
            raise ValueError("the residual networks make pictures; use the MLP for points")
        return ResNetGenerator(spec), ResNetDiscriminator(spec)
    raise ValueError(f"unknown model family '{spec.family}'")


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
