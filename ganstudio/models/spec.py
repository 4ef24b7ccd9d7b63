"""What a model is built from: the config's [model] fields plus the facts of the data.

Kept apart from the networks so that a checkpoint can store it as plain JSON and rebuild the very
same networks later, without reading the data again.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from ganstudio import objectives


def sizes(image_size: int) -> list[int]:
    """The sizes the residual networks work at, 4 x 4 up to the picture's: [4, 8, ..., size]."""
    n = int(round(math.log2(max(image_size, 1)))) - 2
    if n < 1 or 4 * 2 ** n != image_size:
        raise ValueError(f"the residual networks need a power-of-two picture size >= 8, "
                         f"got {image_size}")
    return [4 * 2 ** i for i in range(n + 1)]


def channels_at(size: int, image_size: int, width: int) -> int:
    """The residual networks' channels at a size: ``width`` at half the picture's size, doubling
    at each halving (DCGAN's layout), ``width // 2`` at the picture's own size."""
    return max(8, width * image_size // (2 * size))


@dataclass(frozen=True)
class ModelSpec:
    family: str  # "mlp", "dcgan" or "resnet"
    kind: str  # "2d" or "image"
    latent_dim: int
    g_width: int
    d_width: int
    layers: int
    channels: int = 0  # images only
    image_size: int = 0  # images only
    num_classes: int = 0  # > 0 only for a conditional model
    label_names: tuple = field(default_factory=tuple)
    spectral_norm: bool = False
    d_batchnorm: bool = False

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return (2,) if self.kind == "2d" else (self.channels, self.image_size, self.image_size)

    @property
    def conditional(self) -> bool:
        return self.num_classes > 0

    def to_json(self) -> dict:
        d = asdict(self)
        d["label_names"] = list(self.label_names)
        return d

    @classmethod
    def from_json(cls, d: dict) -> "ModelSpec":
        d = dict(d)
        d["label_names"] = tuple(d.get("label_names", ()))
        return cls(**d)

    def describe(self) -> str:
        """In words, e.g. 'DCGAN for 32 x 32 colour pictures, 10 labels, noise size 100'."""
        what = ("points in the plane" if self.kind == "2d" else
                f"{self.image_size} x {self.image_size} "
                f"{'colour' if self.channels == 3 else 'grey'} pictures")
        text = f"{self.family.upper()} for {what}"
        if self.conditional:
            text += f", {self.num_classes} labels"
        return text + f", noise size {self.latent_dim}"

    def layer_shapes(self) -> tuple[str, str]:
        """How data flows through G and D, in words: ("noise 16 -> 256 -> ... -> point", ...)."""
        arrow = " \u2192 "
        labels = f" + label ({self.num_classes})" if self.conditional else ""
        if self.kind == "2d":
            out = "point (x, y)"
        else:
            out = f"{self.image_size}\u00d7{self.image_size}\u00d7{self.channels} picture"
        if self.family == "mlp":
            hidden = [str(self.g_width)] * self.layers
            g = [f"noise {self.latent_dim}{labels}"] + hidden + [out]
            d = [out] + [str(self.d_width)] * self.layers + [f"score{labels and ' (with label)'}"]
            return arrow.join(g), arrow.join(d)
        if self.family == "resnet":
            size_list = sizes(self.image_size)
            g = [f"noise {self.latent_dim}{labels}"] + [
                f"{r}\u00d7{r}\u00d7{channels_at(r, self.image_size, self.g_width)}"
                for r in size_list] + [out]
            d = [out] + [f"{r}\u00d7{r}\u00d7{channels_at(r, self.image_size, self.d_width)}"
                         for r in size_list[::-1]] + [f"score{labels and ' (with label)'}"]
            return arrow.join(g), arrow.join(d)
        levels = max(1, self.image_size.bit_length() - 3)  # 32 -> 3, 64 -> 4
        size = 4
        g = [f"noise {self.latent_dim}{labels}"]
        for i in range(levels):
            g.append(f"{size}\u00d7{size}\u00d7{self.g_width * 2 ** (levels - 1 - i)}")
            size *= 2
        g.append(out)
        d = [out]
        size = self.image_size // 2
        for i in range(levels):
            d.append(f"{size}\u00d7{size}\u00d7{self.d_width * 2 ** i}")
            size //= 2
        d.append(f"score{labels and ' (with label)'}")
        return arrow.join(g), arrow.join(d)


def make_spec(cfg, source) -> ModelSpec:
    """The spec for an experiment config (ExperimentConfig) and its loaded data source."""
    m, loss = cfg.model, cfg.loss
    penalised = objectives.batchnorm_breaker(loss) is not None
    if m.d_norm == "auto":
        # batch norm mixes the samples of a batch: a per-sample gradient penalty is then wrong,
        # and spectral norm already does the job
        d_bn = m.family == "dcgan" and not penalised and not m.spectral_norm
    else:
        d_bn = m.family == "dcgan" and m.d_norm == "batch"
    conditional = m.conditional and source.num_classes > 0
    return ModelSpec(
        family=m.family, kind=source.kind, latent_dim=m.latent_dim, g_width=m.g_width,
        d_width=m.d_width, layers=m.layers,
        channels=source.channels if source.kind == "image" else 0,
        image_size=source.image_size if source.kind == "image" else 0,
        num_classes=source.num_classes if conditional else 0,
        label_names=tuple(source.label_names) if conditional else (),
        spectral_norm=m.spectral_norm, d_batchnorm=d_bn)
