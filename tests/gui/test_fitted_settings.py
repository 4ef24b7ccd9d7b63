"""'My pictures' fits its settings to the folder when the run starts: the window's panels then
show what the run uses, not the preset's values."""

import numpy as np
from PIL import Image

from ganstudio.presets import load_preset
from tests.gui.conftest import wait_for


def test_the_panels_show_the_settings_fitted_to_the_folder(window, qtbot, tmp_path):
    rng = np.random.default_rng(0)
    for i in range(48):
        Image.fromarray(rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)).save(
            tmp_path / f"{i}.png")
    cfg = load_preset("my-pictures")
    cfg.data.root = str(tmp_path)
    cfg.data.image_size = 32
    cfg.training.threads = 1
    window.set_config(cfg)
    qtbot.waitUntil(lambda: window.settings_ctl.data_ready(), timeout=60_000)
    batch = window.findChild(object, "field_training_batch_size")
    r1 = window.findChild(object, "field_loss_r1_weight")
    assert batch.value() == cfg.training.batch_size != 12  # the preset's, before the run
    window.train_button.click()
    # 48 pictures: a batch of a quarter of them and a small folder's penalty, in the panels
    wait_for(qtbot, lambda: batch.value() == 12)
    tr = window.controller.trainer
    assert r1.value() == tr.config.loss.r1_weight != load_preset("my-pictures").loss.r1_weight
    assert window.config.training.batch_size == tr.config.training.batch_size == 12
