"""The 2-D picture: the discriminator's heat map where it belongs, arrows that push uphill."""

import numpy as np
import torch

from ganstudio.training import visuals, train
from ganstudio.training import Trainer
from tests.conftest import tiny_config


class LinearCritic(torch.nn.Module):
    """D(x, y) = 0.5 + 0.02 x + 0.01 y: 'more real' to the right and upwards."""

    def forward(self, p):
        return 0.5 + 0.02 * p[:, :1] + 0.01 * p[:, 1:2]


def pixel_centres(view):
    """The plane coordinates each heat map pixel is drawn at (row 0 at the bottom)."""
    x0, x1, y0, y1 = view.heat_bounds
    h, w = view.heatmap.shape
    xs = x0 + (np.arange(w) + 0.5) * (x1 - x0) / w
    ys = y0 + (np.arange(h) + 0.5) * (y1 - y0) / h
    return np.meshgrid(xs, ys)


def test_each_heat_map_pixel_shows_the_discriminator_at_the_place_it_is_drawn():
    # least squares: D's output is shown as 0.5 + 3 (D - 0.5), linear, so the bilinear
    # enlargement is exact and any shift or flip of the picture shows as an error
    trainer = Trainer(tiny_config("ring", loss__name="lsgan"))
    trainer.D = LinearCritic()
    view = visuals.plane_view(trainer)
    assert view.heatmap.shape == (visuals.HEATMAP_SHOWN, visuals.HEATMAP_SHOWN)
    gx, gy = pixel_centres(view)
    expected = 0.5 + 3 * (0.02 * gx + 0.01 * gy)  # 0.31 to 0.69 here: never clipped
    assert np.abs(view.heatmap - expected).max() < 1e-4
    # the heat map covers more than the data's box, as the view shows it
    x0, x1, y0, y1 = view.heat_bounds
    bx0, bx1, by0, by1 = view.bounds
    assert x0 < bx0 and x1 > bx1 and y0 < by0 and y1 > by1


def test_after_training_the_heat_map_is_warmest_where_the_real_data_is_and_arrows_climb_it():
    # R1 0.5: the tiny networks' D is smooth enough by step 400 (the preset's 0.1 with its
    # full-size networks is even more contrasting: 0.35 above the mean at step 400)
    trainer = Trainer(tiny_config("ring", training__steps=400, loss__name="nonsaturating",
                                  loss__r1_weight=0.5))
    train(trainer)
    view = visuals.plane_view(trainer)
    # the heat map's value at the real points (nearest pixel) against the whole map
    x0, x1, y0, y1 = view.heat_bounds
    h, w = view.heatmap.shape
    cols = np.clip(((view.real[:, 0] - x0) / (x1 - x0) * w).astype(int), 0, w - 1)
    rows = np.clip(((view.real[:, 1] - y0) / (y1 - y0) * h).astype(int), 0, h - 1)
    assert view.heatmap[rows, cols].mean() > view.heatmap.mean() + 0.05
    # moving each generated point a little along its arrow makes D find it more real
    D = trainer.D.eval()
    with torch.no_grad():
        fake = torch.as_tensor(view.fake)
        step = torch.as_tensor(view.arrows) * 0.05
        gain = (D(fake + step) - D(fake)).reshape(-1).numpy()
    assert (gain > 0).mean() > 0.9


def test_layers_left_out_are_not_computed():
    """Each layer costs training time, so a viewer asks only for what it shows."""
    trainer = Trainer(tiny_config("ring"))
    calls = []

    class Counting(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, x):
            calls.append(len(x))
            return self.inner(x)

    trainer.D = Counting(trainer.D)
    full = visuals.plane_view(trainer, mesh=True)
    assert full.heatmap is not None and full.arrows is not None and full.mesh is not None
    asked = len(calls)
    calls.clear()
    bare = visuals.plane_view(trainer, heatmap=False, arrows=False, mesh=False)
    assert bare.heatmap is None and bare.arrows is None and bare.mesh is None
    assert calls == [] and asked == 2  # D was not asked at all (heat map and arrows: 2 calls)
    assert bare.fake.shape == full.fake.shape  # the points are always there
    np.testing.assert_allclose(bare.fake, full.fake)


def test_arrows_of_a_loss_that_compares_pair_each_point_with_a_real_one(monkeypatch):
    # a made-up comparing loss, softplus(D(real) - D(fake)): its push on a fake point is
    # sigmoid(...) times D's slope (0.02, 0.01), so every arrow points along (2, 1)
    from dataclasses import replace

    from ganstudio import objectives

    seen = []

    def g_loss(fake, real):
        seen.append((len(fake), len(real)))
        return torch.nn.functional.softplus(real - fake).mean()

    hinge = objectives.LOSSES["hinge"]
    monkeypatch.setitem(objectives.LOSSES, "hinge", replace(hinge, g_loss=g_loss,
                                                            g_needs_real=True))
    trainer = Trainer(tiny_config("ring", loss__name="hinge"))
    trainer.D = LinearCritic()
    few_real = np.zeros((100, 2), np.float32)  # fewer than the points: reused in turn
    view = visuals.plane_view(trainer, real=few_real, heatmap=False, mesh=False)
    assert seen == [(visuals.FAKE_POINTS, visuals.FAKE_POINTS)]
    unit = view.arrows / np.linalg.norm(view.arrows, axis=1, keepdims=True)
    assert np.allclose(unit, np.array([2.0, 1.0]) / np.sqrt(5.0), atol=1e-5)


def test_the_heat_map_comes_coloured_for_the_window():
    """The colours are looked up in the training thread, so the window only draws pixels."""
    heat = np.array([[0.0, 0.5, 1.0]])
    pixels = visuals.heat_rgb32(heat)
    assert pixels.dtype == np.uint32 and pixels.shape == (1, 3)
    rgb = [((p >> 16) & 255, (p >> 8) & 255, p & 255) for p in pixels[0].tolist()]
    assert rgb[0] == visuals.HEAT_COLOURS[0] and rgb[2] == visuals.HEAT_COLOURS[2]
    assert np.abs(np.subtract(rgb[1], visuals.HEAT_COLOURS[1])).max() <= 2  # 256 steps
    assert all(p >> 24 == 255 for p in pixels[0].tolist())  # opaque
