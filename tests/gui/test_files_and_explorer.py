"""Files (experiments, checkpoints, recent files), closing during training, the explorer."""

import numpy as np
from PySide6.QtWidgets import QComboBox, QSlider

from ganstudio.config import ExperimentConfig
from ganstudio.training.checkpoint import load_checkpoint
from tests.gui.conftest import curve_points, use_config


def image_bytes(view) -> bytes:
    img = view.image()
    return bytes(img.constBits()) if img is not None else b""


def test_save_and_reopen_an_experiment(window, qtbot, tmp_path):
    window.settings_tabs.setCurrentIndex(2)
    lr = window.findChild(object, "field_optimizer_lr_g")
    lr.setValue(0.0005)
    assert window.config.optimizer.lr_g == 0.0005 and window.windowTitle().startswith(
        "Untitled experiment *")
    path = tmp_path / "mine.toml"
    assert window.files.write_experiment(path)
    assert ExperimentConfig.load(path).optimizer.lr_g == 0.0005
    assert window.windowTitle().startswith("mine.toml -")

    window.new_experiment()
    assert window.config.optimizer.lr_g == ExperimentConfig().optimizer.lr_g
    assert lr.value() == ExperimentConfig().optimizer.lr_g
    assert window.open_experiment(str(path))
    assert window.config.optimizer.lr_g == 0.0005 and lr.value() == 0.0005
    assert str(path) in window.files.recent()


def test_a_broken_experiment_file_is_refused_in_words(window, qtbot, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[optimizer]\nlr_g = -1\n')
    assert not window.open_experiment(str(bad))
    box = window.findChild(object, "errorDialog")
    assert "optimizer.lr_g must be > 0" in box.text()
    assert window.config.optimizer.lr_g > 0  # nothing was lost


def test_presets_menu_loads_a_preset(window, qtbot):
    action = next(a for a in window.presets_menu.actions() if a.data() == "digits")
    action.trigger()
    assert window.findChild(QComboBox, "datasetChoice").currentData() == "digits"
    assert window.findChild(QComboBox, "architectureChoice").currentData() == "dcgan"
    # the preset's data is read in the background: done before the window closes (on a busy
    # machine that took longer than the fixture's wait for threads to end)
    qtbot.waitUntil(lambda: window.settings_ctl.data_ready(), timeout=120_000)


def test_save_a_checkpoint_and_resume_training_from_it(window, qtbot, tmp_path):
    use_config(window, qtbot, "ring")
    window.train_button.click()
    qtbot.waitUntil(lambda: window.last_step >= 30, timeout=30_000)
    # the status bar says what the run is on and computes in
    assert window.run.compute_label.text().startswith("processor (")
    assert window.run.compute_label.text().endswith("32-bit numbers")
    window.pause_button.click()
    qtbot.waitUntil(lambda: window.run_state == "paused", timeout=10_000)
    path = tmp_path / "run.safetensors"
    window.save_checkpoint(str(path))
    qtbot.waitUntil(path.exists, timeout=10_000)
    saved_step = load_checkpoint(path).steps_done
    assert saved_step == window.last_step
    window.stop_button.click()
    qtbot.waitUntil(lambda: not window.controller.running, timeout=10_000)
    window.plots.clear()

    window.open_checkpoint(str(path))
    qtbot.waitUntil(lambda: window.run_state == "paused", timeout=30_000)
    window.plots.flush()
    assert curve_points(window, "D loss") == saved_step  # the history came back
    assert f"Step {saved_step:,}" in window.step_label.text()
    window.pause_button.click()  # resume: training continues from the checkpoint
    qtbot.waitUntil(lambda: window.last_step > saved_step + 10, timeout=30_000)


def test_a_foreign_checkpoint_is_refused_in_words(window, qtbot, tmp_path):
    junk = tmp_path / "holiday.safetensors"
    junk.write_bytes(b"definitely not a checkpoint")
    window.open_checkpoint(str(junk))
    qtbot.waitUntil(lambda: window.findChild(object, "errorDialog") is not None, timeout=10_000)
    assert "not a GAN Studio checkpoint" in window.findChild(object, "errorDialog").text()


def test_closing_during_training_stops_cleanly_and_keeps_a_checkpoint(qtbot, tmp_path):
    from ganstudio.gui import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.engine_ready, timeout=60_000)
    use_config(w, qtbot, "ring")
    w.train_button.click()
    qtbot.waitUntil(lambda: w.last_step >= 10, timeout=30_000)
    w.ask_close = lambda: "save"
    w.show()
    w.close()  # asks, saves between two steps, stops, then closes
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=20_000)
    threads = [w.controller.thread, w.jobs.thread, w.explorer.renderer.thread]
    qtbot.waitUntil(lambda: all(t.isFinished() for t in threads), timeout=10_000)
    saved = list((tmp_path / "appdata" / "runs").glob("*/checkpoint.safetensors"))
    assert len(saved) == 1 and load_checkpoint(saved[0]).steps_done >= 10
    step = load_checkpoint(saved[0]).steps_done

    # the next start offers the run; Resume opens it paused at the step it was saved
    again = MainWindow()
    qtbot.addWidget(again, before_close_func=lambda w: w.controller.stop())
    qtbot.waitUntil(lambda: again.recovery.dialog is not None, timeout=60_000)
    box = again.recovery.dialog
    assert "Ring of 8 blobs" in box.text() and f"step {step:,}" in box.text()
    next(b for b in box.buttons() if b.text() == "Resume").click()
    qtbot.waitUntil(lambda: again.run_state == "paused", timeout=30_000)
    assert again.last_step == step
    again.controller.stop()
    qtbot.waitUntil(lambda: not again.controller.running, timeout=20_000)


def test_closing_after_the_run_finished_offers_nothing_at_the_next_start(qtbot, tmp_path):
    """A run that had done its planned steps was marked "interrupted" when the window closed,
    and the next start said "A run did not end". Now: no question, its checkpoint kept in its
    folder, marked ended, nothing offered."""
    from ganstudio.gui import MainWindow
    from ganstudio.training import autosave

    w = MainWindow()
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.engine_ready, timeout=60_000)
    use_config(w, qtbot, "ring")
    w.config.training.steps = 30
    w.train_button.click()
    qtbot.waitUntil(lambda: w.run_state == "finished", timeout=60_000)
    asked = []
    w.ask_close = lambda: asked.append(1) or "save"  # the question's default answer
    w.show()
    w.close()
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=20_000)
    assert not asked  # finished: nothing is cut off, so nothing to ask
    (folder,) = (tmp_path / "appdata" / "runs").iterdir()
    assert autosave.read_run(folder).state == "ended"
    assert load_checkpoint(folder / "checkpoint.safetensors").steps_done == 30

    again = MainWindow()
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: again.engine_ready, timeout=60_000)
    qtbot.wait(200)
    assert again.recovery.dialog is None


def test_a_run_ended_by_an_error_is_not_offered_after_closing(window, qtbot, monkeypatch):
    """A run that an error ended stayed marked "running"; once the window had closed, the next
    start took it for one cut off."""
    from ganstudio.training import autosave

    use_config(window, qtbot, "ring")
    window.train_button.click()
    qtbot.waitUntil(lambda: window.last_step >= 3, timeout=30_000)
    folder = window.recovery.folder
    window.save_checkpoint(str(folder / "checkpoint.safetensors"))  # as an autosave would
    qtbot.waitUntil((folder / "checkpoint.safetensors").exists, timeout=10_000)

    def broken(*_a, **_k):
        raise RuntimeError("a broken device")

    window.controller.request(lambda tr: setattr(tr, "step", broken), lambda _r: None)
    qtbot.waitUntil(lambda: not window.controller.running, timeout=30_000)
    assert window.run_state == "error"
    window.close()
    assert autosave.read_run(folder).state == "ended"
    assert autosave.interrupted_runs(folder.parent) == []


def test_cancel_keeps_the_window_training(window, qtbot):
    use_config(window, qtbot, "ring")
    window.train_button.click()
    qtbot.waitUntil(lambda: window.run_state == "running", timeout=20_000)
    window.ask_close = lambda: "cancel"
    window.show()
    window.close()
    assert window.isVisible() and window.controller.running
    window.ask_close = lambda: "discard"


def test_explorer_sliders_move_the_picture_and_moving_back_restores_it(window, qtbot):
    use_config(window, qtbot, "digits", model__conditional=True)
    window.train_button.click()
    qtbot.waitUntil(lambda: window.last_step >= 3, timeout=30_000)
    window.view_tabs.setCurrentWidget(window.explorer)  # takes a snapshot of the run
    explorer = window.explorer
    # settled: the first picture, then whatever the explorer renders after it (point picks)
    qtbot.waitUntil(lambda: explorer.ex is not None and explorer.image.image() is not None
                    and explorer.renderer.idle, timeout=30_000)
    sliders = explorer.sliders
    assert len(sliders) == 8  # one per noise number (latent size 8)
    before = image_bytes(explorer.image)
    start = sliders[0].value()
    version = explorer.image.version
    sliders[0].setValue(start + 200)
    qtbot.waitUntil(lambda: explorer.image.version > version and explorer.renderer.idle,
                    timeout=10_000)
    moved = image_bytes(explorer.image)
    assert moved != before
    version = explorer.image.version
    sliders[0].setValue(start)
    qtbot.waitUntil(lambda: explorer.image.version > version and explorer.renderer.idle,
                    timeout=10_000)
    assert image_bytes(explorer.image) == before

    # the class selector changes what is drawn
    labels = explorer.findChild(QComboBox, "explorerClass")
    assert labels.count() == 10
    version = explorer.image.version
    labels.setCurrentIndex((labels.currentIndex() + 5) % 10)
    qtbot.waitUntil(lambda: explorer.image.version > version and explorer.renderer.idle,
                    timeout=10_000)
    assert image_bytes(explorer.image) != before


def test_explorer_follows_a_2d_run_with_the_noise_grid(window, qtbot):
    use_config(window, qtbot, "ring")
    window.train_button.click()
    qtbot.waitUntil(lambda: window.last_step >= 3, timeout=30_000)
    window.view_tabs.setCurrentWidget(window.explorer)
    explorer = window.explorer
    qtbot.waitUntil(lambda: explorer.ex is not None and explorer.image.image() is not None,
                    timeout=30_000)
    assert not explorer.findChild(QComboBox, "explorerClass").isVisibleTo(explorer)
    before = image_bytes(explorer.image)
    version = explorer.image.version
    explorer.randomise()
    qtbot.waitUntil(lambda: explorer.image.version > version and explorer.renderer.idle,
                    timeout=10_000)
    assert image_bytes(explorer.image) != before


def test_after_stop_explore_shows_the_picture_before_its_sliders_are_set_up(
        window, qtbot, monkeypatch):
    """After Stop, the Explore tab stayed blank until the sliders were set up (principal
    directions: 0.8-1.6 s measured on the digits preset). The picture comes first now: here
    the set-up is held until the picture is on screen."""
    import threading

    from ganstudio.explore.exploration import Exploration

    held = threading.Event()
    real_prepare = Exploration.prepare

    def slow_prepare(self, mode=None):
        if self.directions is None:  # the slow part: held (in the render thread)
            held.wait(30)
        real_prepare(self, mode)

    monkeypatch.setattr(Exploration, "prepare", slow_prepare)
    use_config(window, qtbot, "digits")
    window.train_button.click()
    qtbot.waitUntil(lambda: window.last_step >= 3, timeout=30_000)
    window.stop_button.click()
    window.view_tabs.setCurrentWidget(window.explorer)
    explorer = window.explorer
    try:
        qtbot.waitUntil(lambda: explorer.image.image() is not None, timeout=30_000)
        assert explorer.ex is None  # the sliders are still being set up
        first = explorer.image.image().copy()
    finally:
        held.set()
    qtbot.waitUntil(lambda: explorer.ex is not None and explorer.renderer.idle,
                    timeout=30_000)
    assert explorer.ex.steps == window.last_step
    # the picture of the set-up sliders is the one already shown
    a, b = (_pixels(im).astype(np.float64) for im in (first, explorer.image.image()))
    assert a.shape == b.shape and np.abs(a - b).mean() < 1.0


def _pixels(image) -> np.ndarray:
    image = image.convertToFormat(image.Format.Format_RGB888)
    ptr = image.constBits()
    return np.frombuffer(ptr, np.uint8, image.sizeInBytes()).reshape(
        image.height(), image.bytesPerLine())[:, :image.width() * 3]


def test_points_are_placed_by_clicking_the_preview(window, qtbot):
    combo = window.findChild(QComboBox, "datasetChoice")
    combo.setCurrentIndex(combo.findData("points"))
    assert not window.train_button.isEnabled()  # no points yet
    plane = window.dataset_panel.plane
    plane.point_added.emit(0.5, 0.5)
    plane.point_added.emit(-0.5, -0.5)
    assert window.config.data.points == [[0.5, 0.5], [-0.5, -0.5]]
    assert window.train_button.isEnabled()
    qtbot.waitUntil(lambda: "2 points" in window.findChild(object, "dataInfo").text(),
                    timeout=20_000)
    plane.point_removed.emit(0)
    assert window.config.data.points == [[-0.5, -0.5]]
    np.testing.assert_allclose(window.config.data.points, [[-0.5, -0.5]])


def show_folder_with_bad_files(window, folder, good: int) -> None:
    """A folder of ``good`` pictures and three bad files, chosen as the window's data."""
    from PIL import Image

    from tests.core.test_data_folder import write_bad_files

    for i in range(good):
        Image.new("RGB", (16, 16), (40 * i, 90, 200)).save(folder / f"good{i}.png")
    write_bad_files(folder)
    cfg = window.config.copy()
    cfg.data.source, cfg.data.root = "folder", str(folder)
    cfg.model.family = "dcgan"
    window.set_config(cfg)


def test_the_data_panel_lists_each_skipped_file_with_its_reason(window, qtbot, tmp_path):
    show_folder_with_bad_files(window, tmp_path, good=3)
    button = window.dataset_panel.skipped_button
    qtbot.waitUntil(lambda: button.isVisibleTo(window), timeout=30_000)
    assert button.text() == "Show the 3 skipped files"
    button.click()
    rows = [window.dataset_panel.skipped_list.item(i).text()
            for i in range(window.dataset_panel.skipped_list.count())]
    assert sorted(rows) == ["cut.jpg: cut short", "empty.png: empty file",
                            "noise.png: not a picture"]
    assert window.dataset_panel.skipped_list.isVisibleTo(window)


def test_a_folder_with_no_usable_picture_says_so_before_training(window, qtbot, tmp_path):
    show_folder_with_bad_files(window, tmp_path, good=0)
    info = window.dataset_panel.info
    qtbot.waitUntil(lambda: "could be read" in info.text(), timeout=30_000)
    assert "3 skipped" in info.text()
    assert not window.dataset_panel.skipped_button.isVisibleTo(window)


def test_the_explore_tab_opened_at_once_gets_the_demo_model_when_the_engine_is_there(qtbot):
    """Opening Explore in the first moment, before the training engine has loaded, used to
    leave the explorer empty for good."""
    from ganstudio.gui import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    assert not w.engine_ready
    opened = []
    real_open = w.files.open_checkpoint
    w.files.open_checkpoint = lambda *a, **k: (opened.append(a), real_open(*a, **k))
    w.view_tabs.setCurrentWidget(w.explorer)  # before the engine is there
    w.view_tabs.setCurrentWidget(w.run_split)  # and again: the demo is still asked for once
    w.view_tabs.setCurrentWidget(w.explorer)
    qtbot.waitUntil(lambda: w.explorer.ex is not None, timeout=60_000)
    assert w.view_tabs.currentWidget() is w.explorer
    assert w.explorer.ex.demo and len(opened) == 1


def test_two_windows_write_their_runs_into_different_folders(qtbot):
    from ganstudio.gui import MainWindow

    windows = []
    for _ in range(2):
        w = MainWindow()
        w.ask_close = lambda: "discard"
        qtbot.addWidget(w, before_close_func=lambda win: win.controller.stop())
        qtbot.waitUntil(lambda: w.engine_ready, timeout=60_000)
        use_config(w, qtbot, "ring")
        w.train_button.click()
        windows.append(w)
    for w in windows:
        qtbot.waitUntil(lambda: w.last_step >= 3, timeout=30_000)
    a, b = (w.recovery.folder for w in windows)
    assert a != b and a.is_dir() and b.is_dir()
    for w in windows:
        w.controller.stop()
        qtbot.waitUntil(lambda: not w.controller.running, timeout=20_000)
