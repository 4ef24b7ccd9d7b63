"""The drawn data sets: right shapes and types, reproducible, and pictures that show their label."""

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from ganstudio.data.procedural import DIGIT_NAMES, SHAPE_NAMES, draw_digits, draw_shapes

ROOT = Path(__file__).resolve().parents[2]
DRAWERS = [(draw_shapes, 3, len(SHAPE_NAMES)), (draw_digits, 1, len(DIGIT_NAMES))]


@pytest.fixture(scope="module")
def shapes64():
    return draw_shapes(600, 64, seed=11)


@pytest.fixture(scope="module")
def digits32():
    return draw_digits(2000, 32, seed=11)


def _foreground(images: torch.Tensor) -> torch.Tensor:
    """Shape pixels: far from the background colour, read from the top-left corner."""
    f = images.float()
    background = f[:, :, :2, :2].mean((2, 3), keepdim=True)
    return (f - background).abs().amax(1) > 60


def test_names():
    assert len(SHAPE_NAMES) == 6 and len(set(SHAPE_NAMES)) == 6
    assert DIGIT_NAMES == ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]


@pytest.mark.parametrize("draw,channels,classes", DRAWERS)
@pytest.mark.parametrize("size", [16, 32, 64, 128])
def test_shapes_types_and_balanced_labels(draw, channels, classes, size):
    n = 23
    x, y = draw(n, size, seed=0)
    assert x.shape == (n, channels, size, size) and x.dtype == torch.uint8
    assert y.shape == (n,) and y.dtype == torch.int64
    assert torch.equal(y, torch.arange(n) % classes)
    # every picture has real contrast, whatever its size
    assert x.float().flatten(1).std(1).min() > 15


@pytest.mark.parametrize("draw,channels,classes", DRAWERS)
def test_empty_and_bad_arguments(draw, channels, classes):
    x, y = draw(0, 32, seed=0)
    assert x.shape == (0, channels, 32, 32) and y.shape == (0,)
    with pytest.raises(ValueError):
        draw(-1, 32, seed=0)
    with pytest.raises(ValueError):
        draw(4, 2, seed=0)


@pytest.mark.parametrize("draw,channels,classes", DRAWERS)
def test_deterministic_and_prefix_stable(draw, channels, classes):
    x, y = draw(40, 32, seed=7)
    again, _ = draw(40, 32, seed=7)
    assert torch.equal(x, again)
    prefix, prefix_labels = draw(10, 32, seed=7)
    assert torch.equal(x[:10], prefix) and torch.equal(y[:10], prefix_labels)
    other, other_labels = draw(40, 32, seed=8)
    assert torch.equal(y, other_labels)
    # a new seed redraws every picture, and no two pictures in a set are the same
    assert all(not torch.equal(a, b) for a, b in zip(x, other))
    assert len({bytes(img.flatten().tolist()) for img in x}) == len(x)


def test_same_pictures_in_another_process(tmp_path):
    # guards against anything tied to the process, such as Python's salted hash()
    code = ("import sys, torch; from ganstudio.data.procedural import draw_shapes, draw_digits; "
            "torch.save((draw_shapes(12, 32, 3)[0], draw_digits(12, 32, 3)[0]), sys.argv[1])")
    out = tmp_path / "other_process.pt"
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", code, str(out)], check=True, env=env, cwd=ROOT)
    shapes, digits = torch.load(out)
    assert torch.equal(shapes, draw_shapes(12, 32, 3)[0])
    assert torch.equal(digits, draw_digits(12, 32, 3)[0])


@pytest.mark.parametrize("draw,what", [(draw_shapes, "Drawing shapes"),
                                       (draw_digits, "Drawing digits")])
def test_progress_reports_up_to_n(draw, what):
    calls = []
    draw(1100, 16, seed=0, progress=lambda done, total, text: calls.append((done, total, text)))
    assert calls[-1] == (1100, 1100, what)
    assert len(calls) >= 3  # some reports on the way, not only the last
    done = [c[0] for c in calls]
    assert done == sorted(done) and all(c[1] == 1100 for c in calls)


def test_shapes_are_coloured_and_inside_the_frame(shapes64):
    x, _ = shapes64
    f = x.float()
    # a saturated shape on a dark background
    assert (f.amax(1) - f.amin(1)).flatten(1).amax(1).min() > 100
    assert f[:, :, :3, :3].amax() < 90
    fg = _foreground(x)
    border = torch.cat([fg[:, 0], fg[:, -1], fg[:, :, 0], fg[:, :, -1]], 1)
    assert not border.any()
    # 35-75% of the picture, allowing for the soft edge
    extent = torch.maximum(fg.any(1).sum(1), fg.any(2).sum(1)).float() / 64
    assert extent.min() > 0.3 and extent.max() < 0.8
    assert extent.max() - extent.min() > 0.3  # and sizes really vary
    # several colours in use
    colours = {tuple((px // 64).tolist()) for px in f[:, :, 32, 32].to(torch.int64)}
    assert len(colours) >= 5


def test_shapes_show_their_kind(shapes64):
    """How much of its bounding box a shape fills tells the kinds apart (any size, any colour)."""
    x, y = shapes64
    fg = _foreground(x)
    box = fg.any(1).sum(1) * fg.any(2).sum(1)
    fill = fg.flatten(1).sum(1) / box
    mean = {name: fill[y == k].mean().item() for k, name in enumerate(SHAPE_NAMES)}
    assert abs(mean["circle"] - math.pi / 4) < 0.05
    assert 0.45 < mean["triangle"] < 0.6
    assert mean["circle"] > mean["heart"] > mean["triangle"] > mean["star"]
    assert mean["cross"] < mean["triangle"]
    assert len({round(v, 2) for v in mean.values()}) == 6


def test_digits_look_like_mnist(digits32):
    x, _ = digits32
    f = x.float()
    assert f.flatten(1).amax(1).min() == 255  # full-white pen strokes
    assert f.flatten(1).std(1).min() > 40
    border = torch.cat([f[:, 0, 0], f[:, 0, -1], f[:, 0, :, 0], f[:, 0, :, -1]], 1)
    assert border.mean() < 1  # black background, digit inside the frame
    ink = f[:, 0] > 127
    height = ink.any(2).sum(1).float() / 32
    assert 0.55 < height.mean() < 0.8 and height.min() > 0.45
    # centred: the centre of mass stays near the middle
    rows = torch.arange(32.0).view(1, 32, 1)
    centre_y = (f[:, 0] * rows).sum((1, 2)) / f[:, 0].sum((1, 2))
    centre_x = (f[:, 0] * rows.view(1, 1, 32)).sum((1, 2)) / f[:, 0].sum((1, 2))
    assert (centre_y - 15.5).abs().max() < 4 and (centre_x - 15.5).abs().max() < 4


def test_digits_show_their_digit(digits32):
    """Each digit has its own typical picture: the mean pictures differ, and a new digit is
    mostly closest to the mean picture of its own label."""
    x, y = digits32
    f = x.float().flatten(1)
    train, test = slice(0, 1000), slice(1000, None)
    means = torch.stack([f[train][y[train] == d].mean(0) for d in range(10)])
    gaps = torch.cdist(means, means) + torch.eye(10) * 1e9
    assert gaps.min() > 200
    guess = torch.cdist(f[test], means).argmin(1)
    assert (guess == y[test]).float().mean() > 0.75
    # the 1 uses the least ink, the 8 more than the 1 and the 7
    ink = torch.stack([f[y == d].mean() for d in range(10)])
    assert ink.argmin() == 1 and ink[8] > ink[7] > ink[1]
