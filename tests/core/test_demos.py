"""The demo models bundled in resources/demos: present, small, safe, and actually trained."""

from pathlib import Path

import numpy as np
import pytest
import torch

from ganstudio.explore.exploration import open_for_exploring
from ganstudio.metrics.modes import mode_coverage
from ganstudio.training.checkpoint import load_checkpoint
from ganstudio.explore.demos import list_demos

BUNDLED = ["digits", "shapes", "fashion-mnist", "ring"]


def demo_paths() -> dict[str, Path]:
    return {Path(p).stem: Path(p) for _, p in list_demos()}


def test_the_demos_are_bundled_in_the_order_a_newcomer_meets_them():
    demos = list_demos()
    assert [Path(p).stem for _, p in demos] == BUNDLED
    titles = [t for t, _ in demos]
    assert titles[0] == "Handwritten digits (drawn data, with labels)"
    assert all(t and not t.endswith(".safetensors") for t in titles)


@pytest.mark.parametrize("name", BUNDLED)
def test_each_demo_is_a_small_generator_only_file_of_its_preset(name):
    path = demo_paths()[name]
    assert path.stat().st_size < 4_000_000  # the repository stays light
    ckpt = load_checkpoint(path)
    assert ckpt.generator_only and ckpt.info.get("demo")
    assert ckpt.config.data.source == name
    assert ckpt.steps_done == ckpt.config.training.steps  # trained to its preset's budget


@pytest.mark.parametrize("name", ["digits", "shapes", "fashion-mnist"])
def test_picture_demos_draw_varied_pictures_and_every_label(name):
    ex = open_for_exploring(demo_paths()[name])
    grid, _ = ex.sample_grid(16, seed=3)
    assert grid.dtype == np.uint8 and grid.std() > 20  # not a blank or flat picture
    z = torch.randn(4, ex.spec.latent_dim, generator=torch.Generator().manual_seed(0))
    pics = ex.pictures(z)
    assert min(np.abs(a.astype(int) - b).mean() for a, b in zip(pics, pics[1:])) > 2
    k = ex.spec.num_classes
    assert k >= 6
    same_noise = ex.pictures(z[:1].expand(k, -1), labels=torch.arange(k))
    for i in range(k):  # the label changes the picture: each one unlike every other
        for j in range(i):
            assert np.abs(same_noise[i].astype(int) - same_noise[j]).mean() > 2


def test_the_ring_demo_covers_all_eight_blobs():
    from ganstudio.data.toy2d import RING_STD, ring_means

    ckpt = load_checkpoint(demo_paths()["ring"])
    from ganstudio.training.checkpoint import load_generator

    G, _ = load_generator(ckpt)
    z = torch.randn(2500, ckpt.spec.latent_dim, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        points = G(z)
    cover = mode_coverage(points, ring_means(), RING_STD)
    assert cover.modes == 8 and cover.hq_fraction > 0.85, cover.summary()
