"""Features of real pictures, computed once per data set and feature extractor and kept on disk.

An Inception evaluation spends two thirds of its time on the real side (two sets of N real
pictures: the reference and the real-vs-real floor), which is the same every time the same data
is judged. The features are kept in the user's cache folder as safetensors files named by a
hash of the pictures themselves (as 8-bit pixels, the way the extractor sees them) and of the
extractor, so any change of data, size, order or network makes a new entry and a stale one is
never used. A cache that cannot be read or written is skipped: the features are computed.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Callable

import torch

ENV = "GANSTUDIO_CACHE_DIR"


def cache_dir() -> Path:
    """$GANSTUDIO_CACHE_DIR, else the system's cache folder (XDG_CACHE_HOME or ~/.cache)."""
    if os.environ.get(ENV):
        return Path(os.environ[ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "ganstudio" / "features"


def key_of(pictures: torch.Tensor, extractor: str) -> str:
    pixels = ((pictures.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    h = hashlib.sha256()
    h.update(extractor.encode())
    h.update(str(tuple(pixels.shape)).encode())
    h.update(pixels.contiguous().numpy().tobytes())
    return h.hexdigest()[:32]


def _path(pictures: torch.Tensor, extractor: str) -> Path:
    return cache_dir() / f"{key_of(pictures, extractor)}.safetensors"


def has_features(pictures: torch.Tensor, extractor: str) -> bool:
    """Whether the cache holds these pictures' features (to say so before reading them)."""
    return _path(pictures, extractor).is_file()


def cached_features(pictures: torch.Tensor, extractor: str,
                    compute: Callable[[], torch.Tensor]) -> tuple[torch.Tensor, bool]:
    """The features of ``pictures`` by ``extractor`` (an id naming the network and how it
    computes), from the cache or by ``compute()``; and whether they came from the cache."""
    from safetensors.torch import load_file, save

    path = _path(pictures, extractor)
    try:
        return load_file(str(path))["features"], True
    except Exception:  # absent, unreadable or damaged: computed again
        pass
    features = compute()
    try:
        from ganstudio.atomic import atomic_write_bytes

        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, save({"features": features.contiguous()}))
    except OSError:
        pass  # a read-only or full disk: the next evaluation computes them again
    return features, False
