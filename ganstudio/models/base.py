"""What every generator and discriminator shares: the label handling.

Conditioning: the generator gets the label as a one-hot vector beside its noise (Mirza & Osindero
2014); the discriminator uses a projection (Miyato & Koyama 2018): its score gains the dot product
of a learned label embedding with its own features, which works with every loss.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm as _sn

from ganstudio.models.spec import ModelSpec


def _maybe_sn(module: nn.Module, on: bool) -> nn.Module:
    return _sn(module) if on else module


class Generator(nn.Module):
    """z (N, latent_dim) [+ labels (N,)] -> samples (N, *spec.sample_shape)."""

    def __init__(self, spec: ModelSpec):
        super().__init__()
        self.spec = spec
        self.latent_dim = spec.latent_dim
        self.num_classes = spec.num_classes

    def _input(self, z: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        if self.num_classes:
            if y is None:
                raise ValueError("this generator needs a label for every sample")
            z = torch.cat([z, F.one_hot(y, self.num_classes).to(z.dtype)], 1)
        return z


class Discriminator(nn.Module):
    """samples [+ labels] -> one score (logit) per sample, shape (N,)."""

    def __init__(self, spec: ModelSpec, feature_dim: int):
        super().__init__()
        self.spec = spec
        self.num_classes = spec.num_classes
        self.embed = (_maybe_sn(nn.Embedding(spec.num_classes, feature_dim), spec.spectral_norm)
                      if spec.num_classes else None)

    def _project(self, score: torch.Tensor, h: torch.Tensor,
                 y: torch.Tensor | None) -> torch.Tensor:
        if self.embed is None:
            return score
        if y is None:
            raise ValueError("this discriminator needs a label for every sample")
        return score + (self.embed(y) * h).sum(1)
