"""FID's Inception network rebuilt from its TorchScript file as plain torch modules, for speed.

The TorchScript graph (inception.py) runs every convolution as conv2d, then a batch norm, then a
ReLU into new memory, and makes each branch's output contiguous before joining them; its weights
are cast to the input's type at every call, which also keeps ``torch.jit.freeze`` from folding
the batch norms. Here the same weights are read once: each batch norm is folded into its
convolution (scale into the weights, shift into a bias, in float64, then stored in float32),
the ReLU works in place, and the pictures may stay channels_last from end to end. The same
features to float rounding (tests/core/test_inception_fast.py; benchmarks/README.md has the
figures). The layers are walked from the file, not written out: a block's branches run in the
order the file lists them and are joined along the channels, except the last two blocks
(InceptionE) whose 3x3 towers fork in two.
"""

from __future__ import annotations

import re

import torch
import torch.nn.functional as F
from torch import nn

EPS = 0.001  # the batch norms' epsilon in the TorchScript graph


def _ints(v) -> tuple[int, int]:
    if isinstance(v, int):
        return (v, v)
    return tuple(int(a) for a in v)


class FoldedConv(nn.Module):
    """conv2d (no bias) -> batch norm (no scale) -> ReLU, as one convolution with a bias."""

    def __init__(self, layer):
        super().__init__()
        w = layer.weight.detach().double()
        inv = 1.0 / torch.sqrt(layer.var.detach().double() + EPS)
        self.weight = nn.Parameter((w * inv[:, None, None, None]).float(), requires_grad=False)
        bias = layer.beta.detach().double() - layer.mean.detach().double() * inv
        self.bias = nn.Parameter(bias.float(), requires_grad=False)
        self.stride = _ints(layer.stride)
        self.padding = _ints(layer.padding)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding).relu_()


_LIST = r"\[(\d+), (\d+)\]"


class Pool(nn.Module):
    """A max or average pool, its settings read from the TorchScript module's code."""

    def __init__(self, module):
        super().__init__()
        code = module.code
        lists = [(int(a), int(b)) for a, b in re.findall(_LIST, code)]
        self.max = "max_pool2d" in code
        self.kernel, self.stride, self.padding = lists[:3]
        flags = re.findall(r"(True|False)", code)
        # avg_pool2d(x, k, s, p[, ceil_mode, count_include_pad]); max: (..., dilation, ceil, idx)
        self.count_include_pad = True if len(flags) < 2 else flags[1] == "True"
        if flags and flags[0 if not self.max else -2] == "True":
            raise ValueError("ceil_mode pools are not expected in this network")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.max:
            return F.max_pool2d(x, self.kernel, self.stride, self.padding)
        return F.avg_pool2d(x, self.kernel, self.stride, self.padding,
                            count_include_pad=self.count_include_pad)


class Chain(nn.Sequential):
    pass


class Branches(nn.Module):
    """Inception A-D: every branch on the same input, joined along the channels."""

    def __init__(self, branches: list[nn.Module]):
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([b(x) for b in self.branches], 1)


class BlockE(nn.Module):
    """Inception E: a 1x1 branch, two towers that fork into 1x3 and 3x1 convolutions, a pool."""

    def __init__(self, m):
        super().__init__()
        for name, child in m.named_children():
            setattr(self, name, convert(child))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = self.tower_conv(x)
        b = self.tower_1_conv_1(self.tower_1_conv(x))
        return torch.cat([self.conv(x), self.tower_mixed_conv(a), self.tower_mixed_conv_1(a),
                          self.tower_1_mixed_conv(b), self.tower_1_mixed_conv_1(b),
                          self.tower_2_conv(self.tower_2_pool(x))], 1)


def convert(m) -> nn.Module:
    kind = m.original_name
    if kind == "Conv2dLayer":
        return FoldedConv(m)
    if kind in ("MaxPool2d", "AvgPool2d"):
        return Pool(m)
    if kind == "Sequential":
        return Chain(*[convert(c) for _, c in m.named_children()])
    if kind in ("InceptionA", "InceptionB", "InceptionC", "InceptionD"):
        return Branches([convert(c) for _, c in m.named_children()])
    if kind == "InceptionE":
        return BlockE(m)
    raise ValueError(f"unexpected layer {kind} in the Inception file")


class FastInception(nn.Module):
    """(N, 3, 299, 299) in [-1, 1] -> (N, 2048) pool features, like the TorchScript module."""

    def __init__(self, scripted):
        super().__init__()
        layers = scripted.net.layers
        self.layers = Chain(*[convert(c) for _, c in layers.named_children()])
        self.eval()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[1] != 3:
            raise ValueError("Inception takes 3 channels")
        return self.layers(x).reshape(-1, 2048)
