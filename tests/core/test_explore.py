"""Latent-space tools and the exploration state, without any GUI."""

import numpy as np
import pytest
import torch

from ganstudio.explore import latent
from ganstudio.explore.exploration import Exploration, open_for_exploring
from ganstudio.training import Trainer, train
from ganstudio.training.checkpoint import CheckpointError, load_checkpoint
from tests.conftest import tiny_config


# --- paths -------------------------------------------------------------------------------------
def test_slerp_starts_and_ends_at_the_chosen_points():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(16, generator=g), torch.randn(16, generator=g)
    path = latent.path(a, b, 9, "slerp")
    assert path.shape == (9, 16)
    assert torch.allclose(path[0], a, atol=1e-6) and torch.allclose(path[-1], b, atol=1e-6)
    straight = latent.path(a, b, 9, "lerp")
    assert torch.allclose(straight[4], (a + b) / 2, atol=1e-6)


def test_slerp_keeps_the_norm_where_a_straight_line_loses_it():
    g = torch.Generator().manual_seed(1)
    a, b = torch.randn(64, generator=g), torch.randn(64, generator=g)
    b = b / b.norm() * a.norm()  # two points of the same norm
    on_arc = latent.path(a, b, 21, "slerp").norm(dim=1)
    assert torch.allclose(on_arc, a.norm().expand(21), rtol=1e-5)
    on_line = latent.path(a, b, 21, "lerp").norm(dim=1)
    assert on_line[10] < 0.8 * a.norm()  # the middle of a line is near the origin


def test_slerp_interpolates_the_norm_between_different_norms():
    a, b = torch.tensor([2.0, 0.0]), torch.tensor([0.0, 4.0])
    mid = latent.slerp(a, b, 0.5)
    assert torch.allclose(mid.norm(), torch.tensor(3.0))
    assert torch.allclose(mid / mid.norm(), torch.tensor([1.0, 1.0]) / 2**0.5)


def test_slerp_of_parallel_points_does_not_break():
    a = torch.tensor([1.0, 0.0, 0.0])
    path = latent.path(a, 2 * a, 5, "slerp")
    assert torch.isfinite(path).all() and torch.allclose(path[-1], 2 * a)


# --- directions --------------------------------------------------------------------------------
def test_principal_directions_are_orthonormal_and_ordered():
    G = Trainer(tiny_config("digits")).snapshot_generator()
    d = latent.principal_directions(G, 8, k=5, samples=256)
    assert d.vectors.shape == (5, 8)
    assert torch.allclose(d.vectors @ d.vectors.T, torch.eye(5), atol=1e-5)
    assert (d.explained[:-1] >= d.explained[1:]).all() and d.explained.sum() <= 1 + 1e-6


def test_principal_directions_find_what_moves_the_output():
    class Stretch(torch.nn.Module):  # output depends mostly on z[3], a little on z[0]
        num_classes = 0

        def forward(self, z, y=None):
            return torch.stack([10 * z[:, 3], z[:, 0], 0.01 * z[:, 1]], 1)

    d = latent.principal_directions(Stretch(), 6, k=2, samples=512)
    assert abs(d.vectors[0, 3]) > 0.999 and abs(d.vectors[1, 0]) > 0.999
    assert d.explained[0] > 0.95


def test_random_directions_are_orthonormal():
    v = latent.random_directions(32, 10, seed=3)
    assert torch.allclose(v @ v.T, torch.eye(10), atol=1e-5)


def test_truncation_pulls_towards_the_centre():
    z = torch.tensor([2.0, -4.0])
    assert torch.equal(latent.truncate(z, 1.0), z)
    assert torch.equal(latent.truncate(z, 0.5), torch.tensor([1.0, -2.0]))
    assert torch.equal(latent.truncate(z, 0.0), torch.zeros(2))


# --- the exploration state ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def digits_exploration():
    t = Trainer(tiny_config("digits", model__conditional=True, model__latent_dim=32))
    train(t, 2)
    return Exploration.of(t.snapshot_generator(), t.spec, "test")


def test_large_latents_get_principal_direction_sliders(digits_exploration):
    ex = digits_exploration
    assert ex.mode == "principal" and len(ex.values) == 10
    names = ex.slider_names()
    assert names[0][0] == "Direction 1" and "%" in names[0][1]


def test_moving_to_a_point_loses_nothing_of_it(digits_exploration):
    ex = digits_exploration.copy()
    z = torch.randn(32, generator=torch.Generator().manual_seed(5))
    ex.move_to(z)
    assert torch.allclose(ex.z, z, atol=1e-5)
    for mode in ("random", "dimensions", "principal"):  # changing what sliders move keeps it
        ex.set_mode(mode)
        assert torch.allclose(ex.z, z, atol=1e-4), mode


def test_sliders_change_the_picture_and_the_label_matters(digits_exploration):
    ex = digits_exploration.copy()
    first = ex.picture()
    assert first.shape == (32, 32, 3) and first.dtype == np.uint8
    ex.values[0] += 2.0
    assert not np.array_equal(ex.picture(), first)
    ex.values[0] -= 2.0
    assert np.array_equal(ex.picture(), first)
    ex.label = 7
    assert not np.array_equal(ex.picture(), first)


def test_every_label_draws_the_same_noise_once_per_label(digits_exploration):
    grid = digits_exploration.every_label()
    # 10 labels in 2 rows of 5, 32 px each with 2 px padding
    assert grid.shape == (2 + 2 * 34, 2 + 5 * 34, 3)


def test_a_walk_is_smooth_and_loops(digits_exploration):
    ex = digits_exploration.copy()
    w = ex.walk(keypoints=3, frames_between=20, seed=1)
    assert w.shape == (4 * 20, 32)
    assert torch.allclose(w[0], ex.z, atol=1e-5)
    steps = (w[1:] - w[:-1]).norm(dim=1)
    wrap = (w[0] - w[-1]).norm()
    assert wrap <= steps.max() + 1e-6  # the end joins the start like any other step
    assert steps.max() < 0.5 * w.norm(dim=1).mean()  # no jumps


def test_centre_and_randomise(digits_exploration):
    ex = digits_exploration.copy()
    ex.set_mode("dimensions")
    ex.centre()
    assert torch.equal(ex.z, torch.zeros(32))
    ex.randomise()
    assert ex.z.norm() > 1.0


def test_points_in_the_plane_are_drawn_with_their_data(tmp_path):
    t = Trainer(tiny_config("ring"))
    train(t, 2)
    path = t.save_checkpoint(tmp_path / "ring")
    ex = open_for_exploring(path)
    assert ex.spec.kind == "2d" and ex.real.shape[1] == 2
    pic = ex.picture()
    assert pic.shape == (420, 420, 3)
    ex.values[0] += 2.0
    assert not np.array_equal(ex.picture(), pic)  # the point and its grid move


# --- generator-only checkpoints ----------------------------------------------------------------
def test_a_generator_only_checkpoint_is_small_explorable_and_not_resumable(tmp_path):
    t = Trainer(tiny_config("digits", model__conditional=True))
    train(t, 2)
    full = t.save_checkpoint(tmp_path / "full")
    light = t.save_checkpoint(tmp_path / "light", generator_only=True, title="Digits", demo=True)
    assert light.stat().st_size < full.stat().st_size / 2
    ckpt = load_checkpoint(light)
    assert ckpt.generator_only and ckpt.meta["title"] == "Digits"
    ex = open_for_exploring(light)
    z = torch.randn(3, t.spec.latent_dim)
    y = torch.tensor([1, 2, 3])
    assert torch.equal(ex.G(z, y), t.sample(z, y))  # the averaged generator, exactly
    with pytest.raises(CheckpointError, match="only a generator"):
        Trainer(t.config).load_state(ckpt)
