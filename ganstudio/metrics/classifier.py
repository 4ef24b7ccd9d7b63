"""GAN Studio's own feature space: a small classifier per labelled data set, trained by
``packaging/train_classifiers.py`` and shipped in ``resources/classifiers/``.

Inception was trained on photos of 1,000 kinds of things at 299 x 299; on 32 x 32 digits its
features say little and cost ~0.1 s a picture on a CPU. A classifier trained on the data set
itself sees what matters there (which digit, which shape), runs in milliseconds, and its
penultimate layer is a feature space for FD/KID in the spirit of the "domain-specific" feature
spaces used for MNIST-like data (e.g. Bińkowski et al. 2018 use a LeNet for MNIST). Its numbers
are only comparable with numbers from the same classifier: every output names it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from ganstudio import catalog
from ganstudio.errors import UserError
from ganstudio.paths import resources_dir

SIZE = 32  # the classifiers see 32 x 32 pictures; 64 x 64 ones are shrunk first
FEATURES = 128
# the data sets whose catalogue entry says GAN Studio ships a classifier for them
DATASETS = tuple(s.id for s in catalog.SOURCES.values() if s.classifier)


class ClassifierUnavailable(UserError):
    """No classifier for this data set."""


class SmallClassifier(nn.Module):
    """Three 3 x 3 convolution blocks (16, 32, 64 channels, each halving the size), a 128-unit
    layer (the features) and the class scores: ~155k weights, ~0.6 MB."""

    def __init__(self, channels: int, num_classes: int):
        super().__init__()
        self.channels, self.num_classes = channels, num_classes
        self.conv = nn.Sequential(
            nn.Conv2d(channels, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.features = nn.Sequential(nn.Flatten(), nn.Linear(64 * 4 * 4, FEATURES), nn.ReLU())
        self.head = nn.Linear(FEATURES, num_classes)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(self.conv(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(x))


def classifiers_dir() -> Path:
    return resources_dir() / "classifiers"


def classifier_path(source_id: str) -> Path:
    return classifiers_dir() / f"{source_id}.safetensors"


def has_classifier(source_id: str) -> bool:
    return classifier_path(source_id).is_file()


def fit_pictures(x: torch.Tensor, channels: int) -> torch.Tensor:
    """Pictures in [-1, 1] brought to the classifier's channels and 32 x 32."""
    x = x.detach().float().cpu()
    c = x.shape[1]
    if c != channels:
        if channels == 1 and c == 3:  # ITU-R 601 luma, as the data sets' own conversion
            w = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
            x = (x * w).sum(1, keepdim=True)
        elif channels == 3 and c == 1:
            x = x.expand(-1, 3, -1, -1)
        else:
            raise ValueError(f"cannot give {c}-channel pictures to a {channels}-channel "
                             "classifier")
    if x.shape[-1] != SIZE or x.shape[-2] != SIZE:
        x = F.interpolate(x, size=(SIZE, SIZE), mode="bilinear", antialias=True,
                          align_corners=False)
    return x


@dataclass
class ClassifierSpace:
    """A trained classifier: features (penultimate layer) and predicted labels."""

    net: SmallClassifier
    source_id: str
    label_names: list[str]
    info: dict

    @property
    def scale(self) -> float:
        """Features are divided by their RMS on the training pictures (x.y / d ~ 1, the range
        KID's cubic kernel is made for)."""
        return float(self.info.get("feature_scale", 1.0))

    @property
    def space(self) -> str:
        acc = self.info.get("heldout_accuracy")
        acc_text = f", {100 * acc:.1f}% held-out accuracy" if acc else ""
        return (f"GAN Studio's {self.source_id} classifier ({FEATURES}-d penultimate layer"
                f"{acc_text})")

    @torch.inference_mode()
    def run(self, images: torch.Tensor, batch_size: int = 500) -> tuple[torch.Tensor,
                                                                           torch.Tensor]:
        """(features (N, 128) float64, scaled, and predicted labels (N,))."""
        feats, preds = [], []
        for i in range(0, len(images), batch_size):
            x = fit_pictures(images[i:i + batch_size], self.net.channels)
            f = self.net.embed(x)
            feats.append(f.double() / self.scale)
            preds.append(self.net.head(f).argmax(1))
        if not feats:
            return torch.zeros(0, FEATURES, dtype=torch.float64), torch.zeros(0, dtype=torch.long)
        return torch.cat(feats), torch.cat(preds)


def load_classifier(source_id: str, path: Path | None = None) -> ClassifierSpace:
    from safetensors import safe_open

    path = path or classifier_path(source_id)
    if not path.is_file():
        raise ClassifierUnavailable(f"GAN Studio has no classifier for '{source_id}' (it has "
                                    f"them for {', '.join(DATASETS)})")
    try:
        with safe_open(str(path), framework="pt", device="cpu") as f:
            meta = f.metadata() or {}
            state = {k: f.get_tensor(k).float() for k in f.keys()}
        info = json.loads(meta["info"])
        net = SmallClassifier(int(info["channels"]), int(info["num_classes"]))
        net.load_state_dict(state, strict=True)
    except Exception as e:  # safetensors raises several types on foreign or truncated files
        raise ClassifierUnavailable(f"{path.name}: not a GAN Studio classifier, or damaged "
                                    f"({type(e).__name__})") from None
    return ClassifierSpace(net.eval().requires_grad_(False), source_id,
                           list(info.get("label_names", [])), info)
