"""The 2-D data sets: the published ring and grid constants, seeded and resumable batches."""

import math

import pytest
import torch

from ganstudio.config import ExperimentConfig
from ganstudio.data import DataError, build_source
from ganstudio.data.toy2d import Toy2DSource, grid_means, ring_means

NAMES = ["ring", "grid", "spiral", "moons", "circles", "points"]
SOME_POINTS = [[0.0, 0.0], [3.0, 1.0], [-2.0, 2.5]]


def make(name: str, seed: int = 0, **kw) -> Toy2DSource:
    if name == "points" and "points" not in kw:
        kw["points"] = SOME_POINTS
    return Toy2DSource(name, seed=seed, **kw)


def nearest(x: torch.Tensor, centres: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(index of the nearest centre, distance to it) for every point."""
    d = torch.cdist(x.double(), centres.double())
    dist, k = d.min(1)
    return k, dist


# --- the published constants ------------------------------------------------------------------

def test_ring_has_eight_distinct_means_on_the_unit_circle_at_multiples_of_45_degrees():
    m = ring_means().double()
    assert m.shape == (8, 2)
    assert len({(round(x, 6), round(y, 6)) for x, y in m.tolist()}) == 8
    assert torch.allclose(m.norm(dim=1), torch.ones(8, dtype=torch.float64), atol=1e-6)
    for k in range(8):
        a = 2 * math.pi * k / 8
        assert m[k].tolist() == pytest.approx([math.cos(a), math.sin(a)], abs=1e-6)
    src = make("ring")
    assert src.std == 0.01
    assert torch.equal(src.means, ring_means())


def test_grid_has_25_distinct_means_two_apart_from_minus_four_to_four():
    m = grid_means()
    assert m.shape == (25, 2)
    expected = {(-4.0 + 2 * i, -4.0 + 2 * j) for i in range(5) for j in range(5)}
    assert {(x, y) for x, y in m.tolist()} == expected
    src = make("grid")
    assert src.std == 0.05
    assert torch.equal(src.means, grid_means())


@pytest.mark.parametrize("name,modes,std", [("ring", 8, 0.01), ("grid", 25, 0.05)])
def test_mixture_samples_hit_every_mode_equally_often_with_the_published_spread(name, modes,
                                                                                 std):
    src = make(name, seed=5)
    x, y = src.next_batch(100_000)
    assert y is None
    assert x.shape == (100_000, 2) and x.dtype == torch.float32
    k, dist = nearest(x, src.means)
    freq = torch.bincount(k, minlength=modes).double() / len(x)
    assert freq.min() > 0.85 / modes and freq.max() < 1.15 / modes
    # every sample lies close to its own mode: far closer than the modes are to each other
    assert dist.max() < 7 * std
    residual = x.double() - src.means[k].double()
    assert residual.std(0).tolist() == pytest.approx([std, std], rel=0.03)
    assert residual.mean(0).abs().max() < 0.05 * std


# --- seeded and resumable -----------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_same_seed_gives_the_same_batches_and_another_seed_different_ones(name):
    a, b, c = make(name, seed=3), make(name, seed=3), make(name, seed=4)
    for _ in range(3):
        xa, xb, xc = a.next_batch(64)[0], b.next_batch(64)[0], c.next_batch(64)[0]
        assert torch.equal(xa, xb)
        assert not torch.allclose(xa, xc)


@pytest.mark.parametrize("name", NAMES)
def test_consecutive_batches_are_fresh_draws(name):
    src = make(name, seed=0)
    assert not torch.allclose(src.next_batch(32)[0], src.next_batch(32)[0])


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_resumes_exactly_the_same_next_batches(name):
    src = make(name, seed=9)
    src.next_batch(100)
    state = src.state_dict()
    expected = [src.next_batch(50)[0] for _ in range(3)]

    # the same object, rewound
    src.load_state_dict(state)
    assert all(torch.equal(src.next_batch(50)[0], e) for e in expected)

    # a fresh object (as after loading a checkpoint), even one made with another seed
    other = make(name, seed=123)
    other.load_state_dict(state)
    assert all(torch.equal(other.next_batch(50)[0], e) for e in expected)


def test_saved_state_is_a_snapshot_not_a_live_view():
    src = make("ring", seed=2)
    state = src.state_dict()
    first = src.next_batch(10)[0]
    src.next_batch(10)
    src.load_state_dict(state)
    assert torch.equal(src.next_batch(10)[0], first)


@pytest.mark.parametrize("name", NAMES)
def test_preview_does_not_disturb_the_training_order(name):
    a, b = make(name, seed=1), make(name, seed=1)
    a.next_batch(20)
    b.next_batch(20)
    pa = a.preview(500)[0]
    assert torch.equal(a.next_batch(40)[0], b.next_batch(40)[0])
    # the preview itself is repeatable and depends on its own seed
    assert torch.equal(a.preview(500)[0], pa)
    assert not torch.allclose(a.preview(500, seed=99)[0], pa)


# --- the other shapes -----------------------------------------------------------------------------

@pytest.mark.parametrize("name,half_width,half_height",
                         [("spiral", 1.0, 1.0), ("moons", 1.5, 0.75), ("circles", 1.0, 1.0)])
def test_shapes_are_finite_and_within_their_plausible_extent(name, half_width, half_height):
    noise = 0.05
    x = make(name, seed=0, noise=noise).next_batch(20_000)[0]
    assert torch.isfinite(x).all()
    margin = 5 * noise
    assert x[:, 0].abs().max() < half_width + margin
    assert x[:, 1].abs().max() < half_height + margin
    # the shape fills its box rather than sitting in a corner of it
    assert x[:, 0].abs().max() > half_width - margin
    assert x[:, 1].abs().max() > half_height - margin
    assert x.mean(0).abs().max() < 0.1


def test_circles_are_two_rings_of_radius_one_and_one_half():
    x = make("circles", seed=0, noise=0.01).next_batch(20_000)[0]
    r = x.norm(dim=1)
    outer, inner = r[r > 0.75], r[r <= 0.75]
    assert outer.mean().item() == pytest.approx(1.0, abs=0.01)
    assert inner.mean().item() == pytest.approx(0.5, abs=0.01)
    assert 0.45 < len(outer) / len(r) < 0.55


def test_moons_are_two_half_circles_of_radius_one():
    x = make("moons", seed=0, noise=0.0).next_batch(10_000)[0]
    upper_centre = torch.tensor([-0.5, -0.25])
    lower_centre = torch.tensor([0.5, 0.25])
    on_upper = ((x - upper_centre).norm(dim=1) - 1).abs() < 1e-5
    on_lower = ((x - lower_centre).norm(dim=1) - 1).abs() < 1e-5
    assert (on_upper | on_lower).all()
    assert 0.45 < on_upper.float().mean() < 0.55
    # the upper moon is the top half of its circle, the lower one the bottom half of its own
    assert (x[on_upper & ~on_lower, 1] >= -0.25 - 1e-5).all()
    assert (x[on_lower & ~on_upper, 1] <= 0.25 + 1e-5).all()
    assert x[:, 0].min() > -1.51 and x[:, 0].max() < 1.51


def test_spiral_without_noise_fills_the_unit_disc_from_centre_to_rim():
    x = make("spiral", seed=0, noise=0.0).next_batch(10_000)[0]
    r = x.norm(dim=1)
    assert r.max() <= 1.0 + 1e-6
    assert r.min() < 0.05 and r.max() > 0.95


@pytest.mark.parametrize("noise", [0.02, 0.3])
def test_points_scatter_around_the_given_points_with_the_given_noise(noise):
    src = make("points", seed=0, noise=noise)
    centres = torch.tensor(SOME_POINTS)
    x = src.next_batch(30_000)[0]
    k = torch.cdist(x, centres).argmin(1)
    freq = torch.bincount(k, minlength=3).double() / len(x)
    assert freq.min() > 0.3
    residual = x - centres[k]
    assert residual.std(0).tolist() == pytest.approx([noise, noise], rel=0.05)
    assert residual.mean(0).abs().max() < noise * 0.05


def test_a_single_point_gives_a_blob_around_it():
    src = Toy2DSource("points", points=[[1.5, -2.0]], noise=0.1, seed=0)
    x = src.next_batch(5_000)[0]
    assert x.mean(0).tolist() == pytest.approx([1.5, -2.0], abs=0.01)


@pytest.mark.parametrize("points", [None, []])
def test_points_without_any_point_is_a_data_error(points):
    with pytest.raises(DataError, match="point"):
        Toy2DSource("points", points=points)


def test_unknown_name_is_a_data_error():
    with pytest.raises(DataError, match="triangle"):
        Toy2DSource("triangle")


@pytest.mark.parametrize("name", NAMES)
def test_bounds_hold_nearly_all_of_the_data_in_a_square(name):
    src = make(name, seed=0)
    x0, x1, y0, y1 = src.bounds
    assert x1 > x0 and y1 > y0
    assert x1 - x0 == pytest.approx(y1 - y0)
    x = src.next_batch(20_000)[0]
    inside = (x[:, 0] > x0) & (x[:, 0] < x1) & (x[:, 1] > y0) & (x[:, 1] < y1)
    assert inside.float().mean() > 0.999


def test_bounds_do_not_disturb_the_training_order():
    a, b = make("spiral", seed=4), make("spiral", seed=4)
    a.bounds
    assert torch.equal(a.next_batch(16)[0], b.next_batch(16)[0])


def test_grid_bounds_frame_the_grid_closely():
    x0, x1, y0, y1 = make("grid").bounds
    assert -6 < x0 < -4 and 4 < x1 < 6
    assert -6 < y0 < -4 and 4 < y1 < 6


@pytest.mark.parametrize("name", NAMES)
def test_sources_are_two_dimensional_and_describe_themselves(name):
    src = make(name)
    assert src.kind == "2d" and src.sample_shape == (2,)
    assert src.count is None
    assert src.describe().startswith(src.title)


def test_build_source_makes_the_configured_2d_source_with_the_training_seed():
    cfg = ExperimentConfig()
    cfg.data.source = "points"
    cfg.data.points = [[1.0, 1.0], [-1.0, 0.0]]
    cfg.data.noise = 0.2
    cfg.training.seed = 17
    src = build_source(cfg)
    assert isinstance(src, Toy2DSource) and src.id == "points"
    assert src.noise == 0.2
    assert torch.equal(src.points, torch.tensor(cfg.data.points))
    same = Toy2DSource("points", points=cfg.data.points, noise=0.2, seed=17)
    assert torch.equal(src.next_batch(8)[0], same.next_batch(8)[0])
    # an explicit seed wins over the training seed
    other = build_source(cfg, seed=18)
    assert not torch.equal(other.next_batch(8)[0], src.next_batch(8)[0])
