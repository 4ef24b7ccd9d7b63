"""GUI test fixtures: a window driven as a user drives it, with the user's files kept apart."""

import os

import pytest

from tests.conftest import tiny_config


@pytest.fixture(autouse=True)
def _private_settings(tmp_path, monkeypatch):
    """Each test gets its own preferences file and app data folder."""
    monkeypatch.setenv("GANSTUDIO_SETTINGS_FILE", str(tmp_path / "settings.ini"))
    monkeypatch.setenv("GANSTUDIO_DATA_DIR", str(tmp_path / "appdata"))


def wait_for(qtbot, condition, timeout=30_000, what="condition"):
    qtbot.waitUntil(condition, timeout=timeout)


@pytest.fixture
def window(qtbot):
    """A main window with its engine loaded. At the end: closed, and every thread it started
    finished (a test that leaves a thread running fails, as in napari)."""
    from ganstudio.gui import MainWindow

    w = MainWindow()
    w.ask_close = lambda: "discard"  # never a modal question in a test

    def stop_first(win):
        # pytest-qt closes and deletes the window: end the run cleanly before that
        if win.controller.running:
            win.controller.stop()
            qtbot.waitUntil(lambda: not win.controller.running, timeout=20_000)

    qtbot.addWidget(w, before_close_func=stop_first)
    qtbot.waitUntil(lambda: w.engine_ready, timeout=60_000)
    yield w
    stop_first(w)
    w.close()
    threads = [w.controller.thread, w.jobs.thread, w.explorer.renderer.thread,
               w.follower.thread.thread]
    qtbot.waitUntil(lambda: all(t.isFinished() for t in threads), timeout=10_000)


def use_config(window, qtbot, source="ring", **overrides):
    """Put a small, fast experiment into the window, as a loaded experiment file would."""
    cfg = tiny_config(source, **overrides)
    cfg.training.steps = overrides.get("training__steps", 0)
    window.set_config(cfg)
    qtbot.waitUntil(lambda: window.settings_ctl.data_ready(), timeout=60_000)
    return cfg


def curve_points(window, name="D loss"):
    import numpy as np

    x, y = window.plots.curve(name).getData()
    if y is None:
        return 0
    return int(np.isfinite(y).sum())


os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
