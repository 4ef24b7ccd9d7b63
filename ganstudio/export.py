"""Pictures and files out of GAN Studio: sample grids, 2-D scatter plots, point files, GIF and
MP4 animations.

Core code (no Qt): the command line and the GUI both write through these.
"""

from __future__ import annotations

import io
import math
import os
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch
from PIL import Image, ImageDraw

from ganstudio.config import atomic_write_bytes

REAL_COLOUR = (150, 150, 160)
FAKE_COLOUR = (225, 80, 40)


def to_uint8_images(x: torch.Tensor) -> np.ndarray:
    """Pictures in [-1, 1], (N, C, H, W) -> uint8 (N, H, W, C)."""
    x = ((x.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return x.permute(0, 2, 3, 1).numpy()


def image_grid(x: torch.Tensor, nrow: int | None = None, padding: int = 2,
               pad_value: float = 0.2) -> np.ndarray:
    """Pictures in [-1, 1] tiled into one uint8 (H, W, 3) array (grey pictures shown grey)."""
    from torchvision.utils import make_grid

    x = x.detach().float().cpu().clamp(-1, 1)
    if x.shape[1] == 1:
        x = x.expand(-1, 3, -1, -1)
    nrow = nrow or max(1, int(math.ceil(math.sqrt(len(x)))))
    grid = make_grid((x + 1) / 2, nrow=nrow, padding=padding, pad_value=pad_value)
    return (grid * 255).round().clamp(0, 255).to(torch.uint8).permute(1, 2, 0).numpy()


def upscale(img: np.ndarray, min_side: int = 512) -> Image.Image:
    """Nearest-neighbour enlargement so small pictures are visible as pixels, not blur."""
    im = Image.fromarray(img)
    k = max(1, math.ceil(min_side / max(1, min(im.size))))
    return im.resize((im.width * k, im.height * k), Image.Resampling.NEAREST) if k > 1 else im


def save_pil(im: Image.Image, path: Path, **kw) -> Path:
    """Save a Pillow image atomically; the format follows the file's extension."""
    buf = io.BytesIO()
    fmt = {".png": "PNG", ".gif": "GIF", ".jpg": "JPEG", ".jpeg": "JPEG",
           ".webp": "WEBP"}.get(path.suffix.lower(), "PNG")
    im.save(buf, format=fmt, **kw)
    return atomic_write_bytes(path, buf.getvalue())


def fit_picture(picture: np.ndarray, size: int) -> np.ndarray:
    """A picture scaled so its longer side is ``size``: pixel-crisp when enlarging (small
    generated pictures), smooth when shrinking (large drawings)."""
    im = Image.fromarray(np.asarray(picture))
    scale = size / max(im.size)
    w, h = max(1, round(im.width * scale)), max(1, round(im.height * scale))
    if (w, h) == im.size:
        return np.asarray(im)
    method = Image.Resampling.NEAREST if scale > 1 else Image.Resampling.LANCZOS
    return np.asarray(im.resize((w, h), method))


def save_array(array: np.ndarray, path: str | os.PathLike) -> Path:
    """A NumPy array as .npy, written atomically."""
    buf = io.BytesIO()
    np.save(buf, np.asarray(array))
    return atomic_write_bytes(Path(path), buf.getvalue())


def save_image_grid(x: torch.Tensor, path: str | os.PathLike, nrow: int | None = None,
                    min_side: int = 0) -> Path:
    grid = image_grid(x, nrow)
    im = upscale(grid, min_side) if min_side else Image.fromarray(grid)
    return save_pil(im, Path(path))


def scatter_image(fake: np.ndarray | torch.Tensor, bounds: Sequence[float],
                  real: np.ndarray | torch.Tensor | None = None, size: int = 512,
                  mesh: np.ndarray | None = None,
                  highlight: np.ndarray | torch.Tensor | None = None) -> Image.Image:
    """Real points (grey) and generated points (orange) drawn on a white square; optionally the
    generator's noise grid as a mesh of lines (L x L x 2) and a few large highlighted points."""
    im = Image.new("RGB", (size, size), "white")
    d = ImageDraw.Draw(im)
    x0, x1, y0, y1 = bounds

    def pixels(p) -> np.ndarray:
        p = np.asarray(p, dtype=np.float64).reshape(-1, 2)
        px = (p[:, 0] - x0) / (x1 - x0) * size
        py = (1 - (p[:, 1] - y0) / (y1 - y0)) * size
        return np.stack([px, py], 1)

    # light axes through the origin, when it is in view
    if x0 < 0 < x1:
        ox = (0 - x0) / (x1 - x0) * size
        d.line([(ox, 0), (ox, size)], fill=(230, 230, 235))
    if y0 < 0 < y1:
        oy = (1 - (0 - y0) / (y1 - y0)) * size
        d.line([(0, oy), (size, oy)], fill=(230, 230, 235))
    if mesh is not None:
        mesh = np.asarray(mesh)
        for line in list(mesh) + list(mesh.transpose(1, 0, 2)):
            d.line([tuple(p) for p in pixels(line)], fill=(150, 150, 205), width=1)
    if real is not None:
        for a, b in pixels(real):
            d.ellipse((a - 1.5, b - 1.5, a + 1.5, b + 1.5), fill=REAL_COLOUR)
    for a, b in pixels(fake):
        d.ellipse((a - 2, b - 2, a + 2, b + 2), fill=FAKE_COLOUR)
    if highlight is not None:
        for a, b in pixels(highlight):
            d.ellipse((a - 7, b - 7, a + 7, b + 7), fill=FAKE_COLOUR, outline=(90, 40, 10),
                      width=2)
    return im


def save_scatter(fake, path: str | os.PathLike, bounds: Sequence[float], real=None,
                 size: int = 512) -> Path:
    return save_pil(scatter_image(fake, bounds, real, size), Path(path))


def save_points(points: torch.Tensor | np.ndarray, path: str | os.PathLike) -> Path:
    """2-D samples as .npy (float32, N x 2) or .csv (a header line "x,y", then one point a line)."""
    path = Path(path)
    arr = np.asarray(points, dtype=np.float32).reshape(-1, 2)
    if path.suffix.lower() == ".npy":
        return save_array(arr, path)
    if path.suffix.lower() == ".csv":
        lines = ["x,y"] + [f"{x:.6g},{y:.6g}" for x, y in arr]
        return atomic_write_bytes(path, ("\n".join(lines) + "\n").encode())
    raise ValueError(f"points can be saved as .npy or .csv, not {path.suffix or 'no extension'}")


def save_gif(frames: Sequence[np.ndarray | Image.Image], path: str | os.PathLike, *,
             fps: float = 12.0, loop: bool = True,
             progress: Callable[[int, int], None] | None = None) -> Path:
    """An animated GIF of uint8 (H, W, 3) frames (or PIL images), looping forever by default."""
    if not frames:
        raise ValueError("an animation needs at least one frame")
    images = []
    for i, f in enumerate(frames):
        im = f if isinstance(f, Image.Image) else Image.fromarray(np.asarray(f))
        images.append(im.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                                                 dither=Image.Dither.NONE))
        if progress:
            progress(i + 1, len(frames))
    duration = max(20, int(round(1000 / fps)))  # most viewers ignore frame times under 20 ms
    kw = dict(save_all=True, append_images=images[1:], duration=duration, disposal=2)
    if loop:
        kw["loop"] = 0
    return save_pil(images[0], Path(path), **kw)


VIDEO_SUFFIXES = (".mp4",)
ANIMATION_SUFFIXES = (".gif",) + VIDEO_SUFFIXES


def save_video(frames: Sequence[np.ndarray | Image.Image], path: str | os.PathLike, *,
               fps: float = 24.0, quality: int = 18,
               progress: Callable[[int, int], None] | None = None) -> Path:
    """An H.264 MP4 of uint8 (H, W, 3) frames, through PyAV's bundled FFmpeg.

    Unlike a GIF it keeps every colour and stays small for long walks; it plays everywhere
    (browsers, slides, phones) because it uses the common yuv420p format, which wants even
    sides, so odd-sized frames get one edge column or row repeated. ``quality`` is x264's CRF:
    lower is better; 18 looks lossless to most eyes.
    """
    import av
    from fractions import Fraction

    if not frames:
        raise ValueError("an animation needs at least one frame")
    first = np.asarray(frames[0].convert("RGB") if isinstance(frames[0], Image.Image)
                       else frames[0])
    h, w = first.shape[:2]
    H, W = h + h % 2, w + w % 2
    buf = io.BytesIO()
    with av.open(buf, mode="w", format="mp4") as box:
        stream = box.add_stream("libx264", rate=Fraction(fps).limit_denominator(1000))
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        stream.options = {"crf": str(quality)}
        for i, f in enumerate(frames):
            a = np.asarray(f.convert("RGB") if isinstance(f, Image.Image) else f, np.uint8)
            if a.shape[:2] != (h, w):
                raise ValueError(f"frame {i + 1} is {a.shape[1]}x{a.shape[0]}, "
                                 f"the first was {w}x{h}")
            if (H, W) != (h, w):
                a = np.pad(a[..., :3], ((0, H - h), (0, W - w), (0, 0)), mode="edge")
            for packet in stream.encode(av.VideoFrame.from_ndarray(
                    np.ascontiguousarray(a[..., :3]), format="rgb24")):
                box.mux(packet)
            if progress:
                progress(i + 1, len(frames))
        for packet in stream.encode():  # flush the encoder's delayed frames
            box.mux(packet)
    return atomic_write_bytes(Path(path), buf.getvalue())


def save_animation(frames: Sequence[np.ndarray | Image.Image], path: str | os.PathLike, *,
                   fps: float = 12.0, progress: Callable[[int, int], None] | None = None) -> Path:
    """A GIF or an MP4, by the file's extension."""
    suffix = Path(path).suffix.lower()
    if suffix in VIDEO_SUFFIXES:
        return save_video(frames, path, fps=fps, progress=progress)
    if suffix == ".gif":
        return save_gif(frames, path, fps=fps, progress=progress)
    raise ValueError(f"an animation can be saved as .gif or .mp4, not {suffix or 'no extension'}")
