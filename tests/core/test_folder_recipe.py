"""The 'My pictures' preset fits its settings to the folder: how many pictures, how big."""

import numpy as np
import pytest
from PIL import Image

from ganstudio import folder_recipe
from ganstudio.presets import load_preset
from ganstudio.training import Trainer
from ganstudio.training.checkpoint import load_checkpoint


def settings(count, size, **kw):
    return {f.field: f.value for f in folder_recipe.recipe(count, size, **kw)}


def test_a_small_folder_gets_more_augmentation_and_a_stronger_penalty_than_a_large_one():
    small, large = settings(500, 64), settings(30_000, 64)
    assert small["loss.augment"] == large["loss.augment"] == "adaptive"
    assert len(small["loss.diffaugment"]) > len(large["loss.diffaugment"])
    assert small["loss.r1_weight"] > large["loss.r1_weight"] > 0
    assert small["loss.r2_weight"] == small["loss.r1_weight"]  # the relativistic loss: both


@pytest.mark.parametrize("count", [300, 5_000, 50_000])
def test_bigger_pictures_get_narrower_networks_a_smaller_batch_and_a_stronger_penalty(count):
    by_size = {s: settings(count, s) for s in (32, 64, 128)}
    widths = [by_size[s]["model.g_width"] for s in (32, 64, 128)]
    assert widths == sorted(widths, reverse=True) and widths[0] > widths[2]
    batches = [by_size[s]["training.batch_size"] for s in (32, 64, 128)]
    assert batches == sorted(batches, reverse=True)
    r1 = [by_size[s]["loss.r1_weight"] for s in (32, 64, 128)]
    assert r1 == sorted(r1) and r1[0] < r1[2]


def test_the_batch_never_exceeds_a_quarter_of_a_tiny_folder():
    assert settings(40, 32)["training.batch_size"] == 10


def test_labels_follow_the_folder_and_r2_only_with_the_relativistic_loss():
    assert settings(500, 64, labelled=True)["model.conditional"] is True
    assert settings(500, 64, labelled=False)["model.conditional"] is False
    assert "loss.r2_weight" not in settings(500, 64, relativistic=False)


def _folder(root, n, size=40):
    rng = np.random.default_rng(0)
    root.mkdir()
    for i in range(n):
        a = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
        Image.fromarray(a).save(root / f"{i}.png")
    return root


def test_the_my_pictures_preset_fits_a_run_to_the_folder_it_is_given(tmp_path):
    cfg = load_preset("my-pictures")
    cfg.data.root = str(_folder(tmp_path / "mine", 48))
    cfg.data.image_size = 32
    cfg.training.threads = 1
    preset_width = cfg.model.g_width
    trainer = Trainer(cfg)
    want = settings(48, 32, labelled=False)
    for field, value in want.items():
        assert trainer.config.get(field) == value, field
    assert trainer.config.training.batch_size == 12  # a quarter of 48
    assert not trainer.spec.conditional  # a flat folder: no labels
    assert cfg.model.g_width == preset_width  # the caller's config is left as it was
    trainer.step()
    saved = load_checkpoint(trainer.save_checkpoint(tmp_path / "run.safetensors"))
    assert saved.config.training.batch_size == 12  # the run's settings say what was chosen


def test_a_run_says_in_one_line_what_it_fitted_to_the_folder(tmp_path):
    from ganstudio.training.run import Run

    line = folder_recipe.describe(folder_recipe.recipe(500, 64), 500, 64)
    assert line == ("Fitted to 500 pictures at 64 px (Adapt to the pictures): adaptive "
                    "augmentation (colour, shift and cut-out), R1 and R2 1.6, width 16, batch "
                    "32, 3,000 steps, no labels.")
    cfg = load_preset("my-pictures")
    cfg.data.root = str(_folder(tmp_path / "mine", 48))
    cfg.data.image_size = 32
    cfg.training.threads = 1
    lines = []
    run = Run(cfg, say=lines.append)
    run.build()
    said = [s for s in lines if s.startswith("Fitted to 48 pictures at 32 px")]
    assert len(said) == 1 and "batch 12" in said[0]
    assert run.facts()["fitted"]["training.batch_size"] == 12  # for the window's panels
