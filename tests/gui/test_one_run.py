"""The window runs the same Run as `ganstudio train`: its run folder holds the same files, so
File > Follow a run folder and any tool read a window's run as they read the command line's."""

import csv

from tests.gui.conftest import use_config, wait_for


def test_a_run_in_the_window_writes_the_files_of_a_command_line_run(window, qtbot):
    cfg = use_config(window, qtbot, "ring", training__steps=0)
    cfg.training.sample_every = 20
    window.set_config(cfg)
    window.train_button.click()
    wait_for(qtbot, lambda: window.controller.trainer is not None
             and window.controller.trainer.steps_done >= 45)
    window.run.stop()
    wait_for(qtbot, lambda: not window.controller.running)
    folder = window.recovery.folder
    assert (folder / "config.toml").is_file()
    with open(folder / "metrics.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    steps = [int(float(r["step"])) for r in rows]
    assert steps[:3] == [1, 2, 3] and steps == sorted(steps) and len(steps) >= 45
    assert all(r["d_loss"] for r in rows)
    assert (folder / "samples" / "step-0000020.png").is_file()
    assert (folder / "samples" / "step-0000040.png").is_file()
