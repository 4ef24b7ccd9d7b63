"""Two built-in picture sets drawn with Pillow, so a first GAN can train without any download.

* shapes: six kinds of flat, coloured shapes (label = the kind) on a dark, softly lit background.
* digits: 0-9 written with a jittered pen, white on black like MNIST (label = the digit).

Every picture is drawn at a few times its size and then shrunk, which gives smooth edges. Picture
``i`` depends only on ``(seed, i)`` (its own random generator, never global state), so a set of
``n`` is the first ``n`` of any larger set, and the same on every machine and every run.
"""

from __future__ import annotations

import hashlib
import math
import random

import numpy as np
import torch
from PIL import Image, ImageDraw

from ganstudio import catalog
from ganstudio.data.base import ImageTensorSource, Progress, fit_channels

SHAPE_NAMES = ["circle", "square", "triangle", "star", "cross", "heart"]
DIGIT_NAMES = [str(d) for d in range(10)]

_REPORT_EVERY = 500
_CHUNK = 1000  # pictures composited at once: bounds the float memory of the colour blend


def _supersample(size: int) -> int:
    """How many times larger to draw. Measured against 16x: drawing ~256 px wide keeps edge
    errors to ~1 grey level on average; more costs time for no visible gain."""
    return max(3, min(8, math.ceil(256 / size)))


def _rng(seed: int, i: int, salt: str) -> random.Random:
    """The generator of picture ``i``: a pure function of (seed, i), stable across processes."""
    digest = hashlib.blake2b(f"{salt}:{int(seed)}:{int(i)}".encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "little"))


def _check(n: int, size: int) -> None:
    if n < 0:
        raise ValueError(f"n must be >= 0, not {n}")
    if not 8 <= size <= 512:
        raise ValueError(f"size must be between 8 and 512 pixels, not {size}")


def _drawing(n: int, what: str, progress: Progress | None):
    """Yield 0..n-1, calling ``progress`` every few hundred pictures and once at the end."""
    for i in range(n):
        if progress is not None and i and i % _REPORT_EVERY == 0:
            progress(i, n, what)
        yield i
    if progress is not None:
        progress(n, n, what)


# ---------------------------------------------------------------------------------------- shapes

# saturated colours that all stand out on a dark background and differ from each other
_PALETTE = np.array([
    (239, 68, 68),    # red
    (249, 115, 22),   # orange
    (250, 204, 21),   # yellow
    (34, 197, 94),    # green
    (6, 182, 212),    # cyan
    (59, 130, 246),   # blue
    (168, 85, 247),   # purple
    (236, 72, 153),   # pink
], dtype=np.float32)


def _regular(k: int, radius: float = 1.0, turn: float = -math.pi / 2) -> np.ndarray:
    """``k`` points evenly round a circle, the first straight up (y grows downwards)."""
    a = turn + np.arange(k) * (2 * math.pi / k)
    return radius * np.stack([np.cos(a), np.sin(a)], axis=1)


def _star(points: int = 5, inner: float = 0.46) -> np.ndarray:
    # a fairly plump star: thin spikes vanish at 32 px
    outer = _regular(points)
    inside = _regular(points, inner, turn=-math.pi / 2 + math.pi / points)
    return np.stack([outer, inside], axis=1).reshape(-1, 2)


def _cross(arm: float = 0.42) -> np.ndarray:
    h = arm / 2
    return np.array([(-h, -1), (h, -1), (h, -h), (1, -h), (1, h), (h, h), (h, 1), (-h, 1),
                     (-h, h), (-1, h), (-1, -h), (-h, -h)], dtype=np.float64)


def _heart(k: int = 120) -> np.ndarray:
    # the classic heart curve, point down; y flipped because image rows grow downwards
    t = np.linspace(0, 2 * math.pi, k, endpoint=False)
    x = 16 * np.sin(t) ** 3
    y = -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
    return np.stack([x, y], axis=1) / 16


# outline in a unit-ish box, and how far (degrees) it may turn: ones that read as themselves
# at any angle turn freely, a heart or a plus sign only a little so they stay recognisable
_OUTLINES: dict[str, tuple[np.ndarray, float]] = {
    "circle": (_regular(96), 0.0),
    "square": (np.array([(-1, -1), (1, -1), (1, 1), (-1, 1)], dtype=np.float64), 45.0),
    "triangle": (_regular(3), 60.0),
    "star": (_star(), 36.0),
    "cross": (_cross(), 25.0),
    "heart": (_heart(), 20.0),
}


def _place_shape(outline: np.ndarray, max_turn: float, size: int, rng: random.Random) -> np.ndarray:
    """The outline turned, scaled to 35-75% of the picture and put at a random spot inside it."""
    a = math.radians(rng.uniform(-max_turn, max_turn))
    c, s = math.cos(a), math.sin(a)
    pts = outline @ np.array([[c, s], [-s, c]])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    extent = rng.uniform(0.35, 0.75) * size
    pts = (pts - (lo + hi) / 2) * (extent / (hi - lo).max())
    # any spot that keeps the whole shape inside the picture, with a small margin
    half = (hi - lo) * (extent / (hi - lo).max()) / 2
    margin = 0.04 * size
    centre = [rng.uniform(margin + h, size - margin - h) if size - 2 * (margin + h) > 0
              else size / 2 for h in half]
    return pts + np.array(centre)


def _shape_mask(kind: int, size: int, factor: int, rng: random.Random) -> np.ndarray:
    """Coverage (0-255) of one shape, drawn ``factor`` times larger and box-filtered down."""
    outline, max_turn = _OUTLINES[SHAPE_NAMES[kind]]
    big = size * factor
    pts = _place_shape(outline, max_turn, big, rng)
    img = Image.new("L", (big, big), 0)
    ImageDraw.Draw(img).polygon([tuple(p) for p in pts.tolist()], fill=255)
    return np.asarray(img.reduce(factor))


def _shape_colours(rng: random.Random) -> tuple[np.ndarray, np.ndarray]:
    """(shape colour, background colour): a palette colour, lightly varied, on a dark tint."""
    colour = _PALETTE[rng.randrange(len(_PALETTE))] * rng.uniform(0.88, 1.08)
    tint = np.array([rng.uniform(0.6, 1.0) for _ in range(3)], dtype=np.float32)
    background = tint * rng.uniform(28, 48)
    return np.clip(colour, 0, 255), background


def _composite(masks: np.ndarray, colours: np.ndarray, backgrounds: np.ndarray) -> np.ndarray:
    """uint8 (m, 3, s, s): each shape over its background, both lit a little from the top."""
    m, s, _ = masks.shape
    ramp = np.linspace(1.12, 0.82, s, dtype=np.float32)[None, :, None, None]  # top is lighter
    alpha = masks.astype(np.float32)[..., None] / 255
    back = backgrounds[:, None, None, :] * ramp
    front = colours[:, None, None, :] * np.sqrt(ramp)  # gentler shading on the shape
    out = back + (front - back) * alpha
    return np.clip(out + 0.5, 0, 255).astype(np.uint8).transpose(0, 3, 1, 2)


def draw_shapes(n: int, size: int, seed: int,
                progress: Progress | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(images uint8 (n, 3, size, size), labels int64 (n,)); label k means SHAPE_NAMES[k]."""
    _check(n, size)
    factor = _supersample(size)
    labels = np.arange(n, dtype=np.int64) % len(SHAPE_NAMES)
    images = np.empty((n, 3, size, size), dtype=np.uint8)
    masks = np.empty((min(n, _CHUNK), size, size), dtype=np.uint8)
    colours = np.empty((len(masks), 3), dtype=np.float32)
    backgrounds = np.empty_like(colours)
    for i in _drawing(n, "Drawing shapes", progress):
        rng = _rng(seed, i, "shapes")
        j = i % _CHUNK
        masks[j] = _shape_mask(int(labels[i]), size, factor, rng)
        colours[j], backgrounds[j] = _shape_colours(rng)
        if j == _CHUNK - 1 or i == n - 1:
            start = i - j
            images[start:i + 1] = _composite(masks[:j + 1], colours[:j + 1], backgrounds[:j + 1])
    return torch.from_numpy(images), torch.from_numpy(labels)


# ---------------------------------------------------------------------------------------- digits
#
# Each digit is a few pen strokes in a box about 0.6 wide and 1 tall, centred on (0, 0), y down.
# The stroke builders take the picture's generator so proportions differ from one writer to the
# next (loop sizes, bar lengths, optional serifs); the whole digit is then warped and slanted.

def _arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float) -> np.ndarray:
    """Points along an ellipse from angle a0 to a1 (degrees; 0 = right, 90 = down)."""
    k = max(6, int(abs(a1 - a0) / 8))
    a = np.radians(np.linspace(a0, a1, k))
    return np.stack([cx + rx * np.cos(a), cy + ry * np.sin(a)], axis=1)


def _bezier(*ctrl: tuple[float, float], k: int = 16) -> np.ndarray:
    """Points along a Bezier curve through its control points (any degree)."""
    p = np.asarray(ctrl, dtype=np.float64)
    t = np.linspace(0, 1, k)[:, None]
    deg = len(p) - 1
    return sum(math.comb(deg, j) * t ** j * (1 - t) ** (deg - j) * p[j] for j in range(deg + 1))


def _line(*pts: tuple[float, float]) -> np.ndarray:
    return np.asarray(pts, dtype=np.float64)


def _join(*parts: np.ndarray) -> np.ndarray:
    return np.concatenate(parts, axis=0)


def _zero(r: random.Random) -> list[np.ndarray]:
    rx, start = r.uniform(0.22, 0.32), r.uniform(-110, -70)
    # a little past a full turn so the loop closes the way a pen closes it
    return [_arc(0, 0, rx, 0.5, start, start - 360 - r.uniform(5, 25))]


def _one(r: random.Random) -> list[np.ndarray]:
    top, foot = (0.04, -0.5), (-0.02, 0.5)
    strokes = [_line(top, foot)]
    if r.random() < 0.55:  # a short flag, clearly shorter and steeper than the bar of a 7
        strokes[0] = _line((-0.16, -0.3 + r.uniform(-0.05, 0.05)), top, foot)
    if r.random() < 0.25:
        strokes.append(_line((-0.17, 0.5), (0.15, 0.5)))
    return strokes


def _two(r: random.Random) -> list[np.ndarray]:
    rad = r.uniform(0.24, 0.3)
    cy = -0.5 + rad
    bowl = _arc(0.0, cy, rad, rad, 165, 385)
    end = bowl[-1]
    foot = (-0.3, 0.5)
    neck = _bezier(tuple(end), (end[0] - 0.08, end[1] + 0.25), foot)
    base = _line(foot, (0.3 + r.uniform(-0.04, 0.04), 0.5 + r.uniform(-0.03, 0.0)))
    return [_join(bowl, neck, base)]


def _three(r: random.Random) -> list[np.ndarray]:
    mid = r.uniform(-0.08, 0.02)
    top_r = (mid + 0.5) / 2
    bot_r = (0.5 - mid) / 2
    upper = _arc(0.0, -0.5 + top_r, 0.24, top_r, 200, 450 + r.uniform(10, 30))
    lower = _arc(0.0, 0.5 - bot_r, 0.28, bot_r, 270 - r.uniform(15, 35), 520)
    return [_join(upper, lower)]


def _four(r: random.Random) -> list[np.ndarray]:
    bar_y = r.uniform(0.1, 0.22)
    stem_x = r.uniform(0.1, 0.18)
    right = (stem_x + r.uniform(0.13, 0.2), bar_y)
    if r.random() < 0.5:  # closed, like print: the slope meets the top of the stem
        return [_line((stem_x, -0.5), (-0.3, bar_y), right), _line((stem_x, -0.5), (stem_x, 0.5))]
    # open, as many people write it: a short down stroke, then the bar
    return [_line((-0.2, -0.5), (-0.28, bar_y), right), _line((stem_x, -0.38), (stem_x, 0.5))]


def _five(r: random.Random) -> list[np.ndarray]:
    rad = r.uniform(0.26, 0.31)
    cy = 0.5 - rad
    stem_top, bowl = (-0.22, -0.5), _arc(0.0, cy, rad, rad, 215, 505)
    stem = _line(stem_top, (bowl[0][0], bowl[0][1]))
    bar = _line(stem_top, (0.28 + r.uniform(-0.04, 0.04), -0.5 + r.uniform(-0.04, 0.02)))
    return [_join(stem, bowl), bar]


def _six(r: random.Random) -> list[np.ndarray]:
    rad = r.uniform(0.22, 0.28)
    cy = 0.5 - rad
    left = (-rad, cy)
    sweep = _bezier((0.2, -0.5), (-0.12, -0.44), (-rad - 0.04, -0.15), left)
    loop = _arc(0.0, cy, rad, rad, 180, -185)
    return [_join(sweep, loop)]


def _seven(r: random.Random) -> list[np.ndarray]:
    foot = (r.uniform(-0.12, 0.02), 0.5)
    corner = (0.3, -0.5)
    strokes = [_line((-0.28, -0.5 + r.uniform(-0.03, 0.05)), corner, foot)]
    if r.random() < 0.2:  # the continental bar through the stem
        x = (corner[0] + foot[0]) / 2
        strokes.append(_line((x - 0.16, 0.0), (x + 0.16, 0.0)))
    return strokes


def _eight(r: random.Random) -> list[np.ndarray]:
    # a figure of eight in one stroke (a lemniscate), upper loop a little narrower
    t = np.linspace(0.3, 2 * math.pi + r.uniform(0.35, 0.6), 90)
    x = np.sin(2 * t) / 2
    y = -np.sin(t) / 2
    x = x * np.where(y < 0, r.uniform(0.42, 0.52), r.uniform(0.5, 0.6))
    return [np.stack([x, y], axis=1)]


def _nine(r: random.Random) -> list[np.ndarray]:
    rad = r.uniform(0.22, 0.27)
    cy = -0.5 + rad
    loop = _arc(0.0, cy, rad, rad, 5, -360)
    end = loop[-1]
    if r.random() < 0.6:
        tail = _line(tuple(end), (end[0] - r.uniform(0.0, 0.06), 0.5))
    else:  # a curled tail
        tail = _bezier(tuple(end), (end[0], 0.45), (-0.2, 0.5))
    return [_join(loop, tail)]


_DIGIT_STROKES = [_zero, _one, _two, _three, _four, _five, _six, _seven, _eight, _nine]


def _warp(strokes: list[np.ndarray], r: random.Random) -> list[np.ndarray]:
    """One smooth wobble over the whole digit, as an unsteady hand would add."""
    waves = [(r.uniform(1, 3), r.uniform(1, 3), r.uniform(0, 2 * math.pi)) for _ in (0, 1)]
    out = []
    for pts in strokes:
        moved = pts.copy()
        for axis, (fx, fy, phase) in enumerate(waves):
            moved[:, axis] += 0.035 * np.sin(fx * pts[:, 0] + fy * pts[:, 1] + phase)
        out.append(moved)
    return out


def _slant(r: random.Random) -> np.ndarray:
    """Random rotation, right-leaning slant and width as one 2x2 matrix (row vectors)."""
    a = math.radians(r.triangular(-15, 15, 0))
    shear = r.uniform(-0.1, 0.35)  # people lean right more often than left
    stretch = r.uniform(0.8, 1.2)
    c, s = math.cos(a), math.sin(a)
    return np.array([[stretch, 0], [-shear, 1]]) @ np.array([[c, s], [-s, c]])


def _ink_centre(strokes: list[np.ndarray]) -> np.ndarray:
    """Centre of mass of the pen lines: segment midpoints weighted by segment length."""
    mids = np.concatenate([(s[1:] + s[:-1]) / 2 for s in strokes])
    lengths = np.concatenate([np.hypot(*np.diff(s, axis=0).T) for s in strokes])
    return (mids * lengths[:, None]).sum(axis=0) / max(lengths.sum(), 1e-9)


def _fit(strokes: list[np.ndarray], big: int, pen: float, r: random.Random) -> list[np.ndarray]:
    """Scale the digit to ~70% of the picture height and centre it, with a little jitter."""
    pts = np.concatenate(strokes)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    w, h = hi - lo
    scale = r.uniform(0.62, 0.76) * big / h
    scale = min(scale, (0.86 * big - pen) / max(w, 1e-6))  # wide digits stay inside the frame
    # as MNIST does: the centre of mass goes to the middle, as far as the frame allows
    jitter = np.array([r.uniform(-0.03, 0.03), r.uniform(-0.03, 0.03)]) * big
    offset = big / 2 + jitter - _ink_centre(strokes) * scale
    edge = pen / 2 + 0.03 * big
    offset = np.clip(offset, edge - lo * scale, big - edge - hi * scale)
    return [s * scale + offset for s in strokes]


def _stroke(draw: ImageDraw.ImageDraw, pts: np.ndarray, pen: float) -> None:
    """A pen line with round ends and round joints: a disc at every point covers the corners
    (much faster than Pillow's joint="curve", which works in Python)."""
    rad = pen / 2
    xy = [tuple(p) for p in pts.tolist()]
    draw.line(xy, fill=255, width=max(1, round(pen)))
    for x, y in xy:
        draw.ellipse((x - rad, y - rad, x + rad, y + rad), fill=255)


def _digit(d: int, size: int, factor: int, r: random.Random) -> np.ndarray:
    big = size * factor
    m = _slant(r)
    strokes = [s @ m for s in _warp(_DIGIT_STROKES[d](r), r)]
    pen = r.uniform(0.08, 0.13) * big
    img = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(img)
    for s in _fit(strokes, big, pen, r):
        _stroke(draw, s, pen)
    return np.asarray(img.reduce(factor))


def draw_digits(n: int, size: int, seed: int,
                progress: Progress | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(images uint8 (n, 1, size, size), labels int64 (n,)): white strokes on black, like MNIST."""
    _check(n, size)
    factor = _supersample(size)
    labels = np.arange(n, dtype=np.int64) % len(DIGIT_NAMES)
    images = np.empty((n, 1, size, size), dtype=np.uint8)
    for i in _drawing(n, "Drawing digits", progress):
        images[i, 0] = _digit(int(labels[i]), size, factor, _rng(seed, i, "digits"))
    return torch.from_numpy(images), torch.from_numpy(labels)


# --- the loaders the catalogue's entries name: (data: DataConfig, *, seed, progress) -----------

def _load(draw, names: list[str], data, seed: int,
          progress: Progress | None) -> ImageTensorSource:
    # the drawing depends on the seed only, not on the training seed: same data every run
    images, labels = draw(data.size, data.image_size, seed=0, progress=progress)
    images = fit_channels(images, data.channels or images.shape[1])
    return ImageTensorSource(images, labels, source_id=data.source,
                             title=catalog.SOURCES[data.source].title, label_names=names,
                             seed=seed)


def load_shapes(data, *, seed: int, progress: Progress | None = None) -> ImageTensorSource:
    return _load(draw_shapes, SHAPE_NAMES, data, seed, progress)


def load_digits(data, *, seed: int, progress: Progress | None = None) -> ImageTensorSource:
    return _load(draw_digits, DIGIT_NAMES, data, seed, progress)
