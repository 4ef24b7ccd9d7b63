"""A folder of the user's own pictures.

Flat (every picture directly in the folder), or one subfolder per label (each subfolder's pictures,
at any depth, get that subfolder's name as label). Each picture is read with Pillow, turned upright
(EXIF), converted to 8-bit grey or colour, and fitted to the square size by resizing and centre
cropping. A file that cannot be used is skipped and counted by reason; it never stops the load.
"""

from __future__ import annotations

import os
import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from ganstudio.data.base import (DataError, ImageTensorSource, Progress, Skipped,
                                 fit_channels)

EXTENSIONS = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"}
# Pictures above this many pixels are refused before decoding: they would take seconds and
# gigabytes each, and are the shape of decompression bombs.
MAX_PIXELS = 40_000_000
_GREY_MODES = {"1", "L", "LA", "La", "I", "I;16", "I;16L", "I;16B", "I;16N", "F"}
_BACKGROUND = (255, 255, 255)  # transparent areas become white


def _is_picture(p: Path) -> bool:
    return p.suffix.lower() in EXTENSIONS and not p.name.startswith(".")


def _visible(paths) -> list[Path]:
    return sorted(p for p in paths if not p.name.startswith("."))


def scan(root: Path, skipped: Skipped) -> tuple[list[Path], list[int] | None, list[str]]:
    """Find the pictures: (files, labels or None, label names)."""
    subdirs = [d for d in _visible(root.iterdir()) if d.is_dir()]
    classes = []
    for d in subdirs:
        files = sorted(p for p in d.rglob("*")
                       if p.is_file() and _is_picture(p)
                       and not any(part.startswith(".") for part in p.relative_to(d).parts))
        if files:
            classes.append((d.name, files))
    top = [p for p in _visible(root.iterdir()) if p.is_file() and _is_picture(p)]
    if len(classes) < 2:  # no labels: one subfolder is a container, not a label
        return top + (classes[0][1] if classes else []), None, []
    for p in top:  # with label folders, loose pictures have no label
        skipped.add("outside a label folder", str(p))
    files, labels = [], []
    for k, (_, fs) in enumerate(classes):
        files += fs
        labels += [k] * len(fs)
    return files, labels, [name for name, _ in classes]


def _to_8bit(im: Image.Image) -> tuple[Image.Image, bool]:
    """Any Pillow mode -> "L" or "RGB"; returns (image, was_grey)."""
    mode = im.mode
    grey = mode in _GREY_MODES
    if mode.startswith("I;16") or mode in ("I", "F"):
        a = np.asarray(im, dtype=np.float64)
        if mode.startswith("I;16") or a.max() > 255:
            top = 65535.0 if mode != "F" else max(float(a.max()), 1.0)
            a = a * (255.0 / top)
        elif mode == "F" and a.max() <= 1.0:
            a = a * 255.0
        return Image.fromarray(np.clip(np.rint(a), 0, 255).astype(np.uint8), "L"), True
    if mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
        mode = im.mode
        grey = False
    if mode in ("RGBA", "LA", "La", "RGBa", "PA"):
        rgba = im.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, _BACKGROUND + (255,))
        canvas.alpha_composite(rgba)
        im = canvas.convert("RGB")
        return (im.convert("L"), True) if grey else (im, False)
    if mode == "L":
        return im, True
    if mode == "1":
        return im.convert("L"), True
    return im.convert("RGB"), False


def load_picture(path: Path, size: int) -> tuple[np.ndarray | None, bool, str | None]:
    """(H x W x 3 uint8 or None, was_grey, reason it was skipped)."""
    try:
        if path.stat().st_size == 0:
            return None, False, "empty file"
        with Image.open(path) as im:
            w, h = im.size
            if w * h > MAX_PIXELS:
                return None, False, "too large"
            if w < 1 or h < 1:
                return None, False, "unreadable"
            im.draft("RGB", (size * 2, size * 2))  # JPEG: decode at a reduced scale, much faster
            im = ImageOps.exif_transpose(im)
            im, grey = _to_8bit(im)
            im = ImageOps.fit(im, (size, size), Image.Resampling.LANCZOS)
            return np.asarray(im.convert("RGB")), grey, None
    except Image.DecompressionBombError:
        return None, False, "too large"
    except UnidentifiedImageError:
        return None, False, "not a picture"
    except Exception as e:  # any decoder failure on one untrusted file must not stop the load
        text = str(e).lower()
        cut = "truncated" in text or "broken data stream" in text or "premature end" in text
        return None, False, "cut short" if cut else "unreadable"


def load_folder(root: str | os.PathLike, *, image_size: int, channels: int, limit: int = 0,
                seed: int = 0, progress: Progress | None = None) -> ImageTensorSource:
    """``channels`` 0 keeps the folder's own: grey if every picture is grey, else colour."""
    if not str(root).strip():
        raise DataError("My images: choose a folder of pictures first")
    path = Path(root).expanduser()
    if not path.exists():
        raise DataError(f"My images: the folder {path} does not exist")
    if not path.is_dir():
        raise DataError(f"My images: {path} is a file, not a folder")
    skipped = Skipped()
    try:
        files, labels, names = scan(path, skipped)
    except OSError as e:
        raise DataError(f"My images: cannot read the folder {path} ({e.strerror})") from None
    if limit and len(files) > limit:  # a seeded random subset, the same every time
        keep = sorted(random.Random(seed).sample(range(len(files)), limit))
        files = [files[i] for i in keep]
        labels = None if labels is None else [labels[i] for i in keep]
    if not files:
        raise DataError(f"My images: no pictures (png, jpg, webp, bmp, gif) in {path}")

    arrays: list[np.ndarray] = []
    kept_labels: list[int] = []
    all_grey = True
    with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
        results = pool.map(lambda f: load_picture(f, image_size), files, chunksize=16)
        for i, (arr, grey, reason) in enumerate(results):
            if arr is None:
                skipped.add(reason or "unreadable", str(files[i]))
            else:
                arrays.append(arr)
                all_grey &= grey
                if labels is not None:
                    kept_labels.append(labels[i])
            if progress and (i % 64 == 0 or i == len(files) - 1):
                progress(i + 1, len(files), "Reading pictures")
    if not arrays:
        raise DataError(f"My images: none of the {len(files)} pictures in {path} could be read "
                        f"({skipped.summary()})")
    images = torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2)
    images = fit_channels(images, channels or (1 if all_grey else 3))
    y = torch.tensor(kept_labels) if labels is not None else None
    name = path.resolve().name or str(path)  # "." names the folder it stands for
    return ImageTensorSource(images, y, source_id="folder", title=f"My images ({name})",
                             label_names=names if labels is not None else None, seed=seed,
                             skipped=skipped)


def load(data, *, seed: int, progress: Progress | None = None) -> ImageTensorSource:
    """The loader the catalogue's "folder" entry names: [data] (DataConfig) -> the source."""
    return load_folder(data.root, image_size=data.image_size, channels=data.channels,
                       limit=data.limit, seed=seed, progress=progress)
