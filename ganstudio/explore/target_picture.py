"""The picture to find (ganstudio.explore.projection): any file Pillow reads, or an array,
converted to the model's size and channels.

What a person may hand us is anything: a phone photo, a transparent PNG, a palette GIF, a
16-bit scan, a text file renamed .png, an empty file, a 40,000-pixel-wide panorama. Each of the
bad ones gets one sentence (a ``UserError``); a huge picture is refused from its header, before
its pixels are decoded (a 40,000 x 40,000 picture would take 4.8 GB as RGB).

The conversion is the data sets' own (data/base.py ``fit_size``): the shorter side scaled to
the model's size (smoothly, Pillow's antialiased bilinear filter), then the middle cut out;
colour to grey by ITU-R 601 luma (Pillow's "L"). Transparent parts are laid on the model's
background colour (dark for Fashion-MNIST and digits), so a cut-out reads as the training
pictures do.
"""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ganstudio.errors import UserError

MAX_SIDE = 16_384  # pixels on a side
MAX_PIXELS = 100_000_000  # width x height
LIMIT = (f"GAN Studio reads pictures up to {MAX_SIDE:,} pixels a side and "
         f"{MAX_PIXELS // 1_000_000} million pixels in all; shrink it first")


class BadPicture(UserError):
    """A picture that cannot be read, or is too large to read."""


def _check_size(width: int, height: int, name: str) -> None:
    if width < 1 or height < 1:
        raise BadPicture(f"{name} has no pixels")
    if max(width, height) > MAX_SIDE or width * height > MAX_PIXELS:
        raise BadPicture(f"{name} is too large ({width:,} x {height:,} pixels): {LIMIT}")


def open_picture(path: str | os.PathLike) -> Image.Image:
    """A picture file, decoded (the first frame of an animation), upright as its EXIF says.
    Its size is checked from the header before the pixels are decoded."""
    path = Path(path).expanduser()
    name = path.name or str(path)
    if not path.is_file():
        raise BadPicture(f"no such picture: {path}")
    if path.stat().st_size == 0:
        raise BadPicture(f"{name} is empty")
    try:
        with warnings.catch_warnings():
            # our own limit is checked below, from the header; Pillow's bomb check would warn
            # or refuse first with its own message
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(path)
            _check_size(im.width, im.height, name)
            if im.format == "JPEG" and min(im.size) > 2048:
                im.draft(im.mode, (1024, 1024))  # big photos decoded at 1/2 to 1/8 the size
            im.load()
    except BadPicture:
        raise
    except Image.DecompressionBombError as e:  # refused by Pillow from the header
        m = re.search(r"\((\d+) pixels\)", str(e))
        size = f" ({int(m.group(1)):,} pixels)" if m else ""
        raise BadPicture(f"{name} is too large{size}: {LIMIT}") from None
    except UnidentifiedImageError:
        raise BadPicture(f"{name} is not a picture GAN Studio can read (PNG, JPEG, GIF, "
                         "BMP, TIFF, WebP...)") from None
    except (OSError, SyntaxError, ValueError, EOFError) as e:
        raise BadPicture(f"{name} cannot be read as a picture; it may be damaged "
                         f"({str(e).strip() or type(e).__name__})") from None
    try:
        im = ImageOps.exif_transpose(im)
    except (OSError, ValueError, KeyError, TypeError, SyntaxError):
        pass  # a damaged EXIF block: the picture itself is fine, upright or not
    return im


def _from_array(array: np.ndarray) -> Image.Image:
    a = np.asarray(array)
    if a.ndim == 3 and a.shape[-1] == 1:
        a = a[..., 0]
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[-1] not in (3, 4)):
        raise BadPicture(f"a picture must be (height, width), (height, width, 3) or "
                         f"(height, width, 4); this array is {tuple(a.shape)}")
    _check_size(a.shape[1], a.shape[0], "the picture")
    if a.dtype != np.uint8:
        a = a.astype(np.float64)
        if not np.isfinite(a).all():
            raise BadPicture("the picture holds values that are not numbers")
        top = a.max(initial=0.0)
        a = a * 255.0 if top <= 1.0 else a * (255.0 / top) if top > 255 else a
        a = np.clip(np.round(a), 0, 255).astype(np.uint8)
    return Image.fromarray(np.ascontiguousarray(a))


def _plain(im: Image.Image, background: tuple[int, int, int]) -> Image.Image:
    """Any mode to "RGB" or "L", transparency laid on ``background``."""
    if im.mode in ("I", "I;16", "I;16B", "I;16L", "F"):  # 16-bit and float scans
        a = np.asarray(im, dtype=np.float64)
        top = a.max(initial=0.0)
        scale = 255.0 / top if top > 255 else 1.0
        return Image.fromarray(np.clip(np.round(a * scale), 0, 255).astype(np.uint8), "L")
    if im.mode == "P" or im.mode == "PA":
        im = im.convert("RGBA")
    if im.mode in ("RGBA", "LA", "La", "RGBa"):
        rgba = im.convert("RGBA")
        base = Image.new("RGBA", rgba.size, tuple(background) + (255,))
        return Image.alpha_composite(base, rgba).convert("RGB")
    if im.mode in ("L", "RGB"):
        return im
    if im.mode == "1":
        return im.convert("L")
    return im.convert("RGB")  # CMYK, YCbCr, LAB, HSV


def fit_to_model(im: Image.Image, size: int, channels: int) -> np.ndarray:
    """uint8 (size, size, channels): the shorter side scaled to ``size``, the middle kept."""
    im = im.convert("L" if channels == 1 else "RGB")
    scale = size / min(im.size)
    w, h = max(size, round(im.width * scale)), max(size, round(im.height * scale))
    if (w, h) != im.size:
        im = im.resize((w, h), Image.Resampling.BILINEAR, reducing_gap=3.0)
    left, top = (w - size) // 2, (h - size) // 2
    im = im.crop((left, top, left + size, top + size))
    a = np.asarray(im, dtype=np.uint8)
    return a[..., None] if a.ndim == 2 else a


def load_target(source, size: int, channels: int,
                background: tuple[int, int, int] = (0, 0, 0)) -> np.ndarray:
    """The picture to find as uint8 (size, size, channels). ``source``: a file path, a Pillow
    image, or an array (uint8, or floats in [0, 1] or [0, 255]); grey or colour, with or
    without transparency, any size up to ``MAX_SIDE``."""
    if isinstance(source, Image.Image):
        _check_size(source.width, source.height, "the picture")
        im = source
    elif isinstance(source, np.ndarray):
        im = _from_array(source)
    elif isinstance(source, (str, os.PathLike)):
        im = open_picture(source)
    else:
        raise BadPicture(f"cannot use a {type(source).__name__} as a picture")
    return fit_to_model(_plain(im, background), size, channels)
