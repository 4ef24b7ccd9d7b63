"""File > Follow a run folder (a headless run shown live, read-only) and File > Train on another
machine (the experiment as a config file plus its torchrun command)."""

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog

from ganstudio.config import ExperimentConfig
from ganstudio.training.history import METRICS
from tests.gui.conftest import curve_points, use_config

ROOT = Path(__file__).resolve().parents[2]


def headless_run(out: Path, steps: int = 400) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "ganstudio", "train", "--preset", "ring",
                             "--steps", str(steps), "--set", "training.sample_every=100",
                             "--threads", "1", "--out", str(out), "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def test_following_a_headless_run_shows_it_live_and_read_only(window, qtbot, tmp_path):
    out = tmp_path / "ring-run"
    proc = headless_run(out)
    try:
        qtbot.waitUntil(lambda: (out / "run.json").exists(), timeout=60_000)
        assert not window.stop_following_action.isEnabled()
        window.follower.follow(str(out))
        qtbot.waitUntil(lambda: window.follower.active, timeout=10_000)
        banner = window.follower.label.text()
        assert "ring-run: read-only, updated live" in banner
        assert window.follower.banner.isVisibleTo(window)
        assert not window.train_button.isEnabled()  # nothing to train: another process's run
        assert "Stop following" in window.train_button.toolTip()
        assert window.stop_following_action.isEnabled()

        qtbot.waitUntil(lambda: curve_points(window) > 20, timeout=60_000)
        first_points = curve_points(window)
        qtbot.waitUntil(lambda: window.sample_view.image() is not None, timeout=60_000)
        first_picture = window.sample_view.version
        first_caption = window.samples_caption.text()
        assert "samples/step-" in first_caption
        # the run goes on: the curves gain points and a newer picture replaces the first
        qtbot.waitUntil(lambda: curve_points(window) > first_points + 50, timeout=60_000)
        qtbot.waitUntil(lambda: window.sample_view.version > first_picture, timeout=60_000)
        assert window.samples_caption.text() != first_caption
        assert window.step_label.text().startswith("Step ") and "of 400" in \
            window.step_label.text()

        assert proc.wait(timeout=120) == 0, proc.stderr.read()
        qtbot.waitUntil(lambda: "ended at step 400" in window.follower.label.text(),
                        timeout=10_000)
        window.plots.flush()
        assert curve_points(window) == 400  # every step once
        # the run ended while watched: its checkpoint comes to the explorer by itself
        qtbot.waitUntil(lambda: window.explorer.ex is not None and window.explorer.ex.steps
                        == 400, timeout=30_000)
        assert window.follower.checkpoint_button.isEnabled()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    window.follower.stop_button.click()
    assert not window.follower.active and not window.follower.banner.isVisibleTo(window)
    assert window.train_button.isEnabled() and not window.stop_following_action.isEnabled()


def write_metrics(path: Path, steps, quality: dict | None = None) -> None:
    quality = quality or {}
    lines = [",".join(METRICS) + ",q_modes"]
    for s in steps:
        q = quality.get(s, "")
        lines.append(f"{s},1.3,0.7,0.5,0.5,0.3,0.04,0,0.01,3000,{q}")
    path.write_text("\n".join(lines) + "\n")


def test_a_resumed_run_starts_the_curves_over_and_quality_reaches_the_plots(window, qtbot,
                                                                              tmp_path):
    got = []
    window.plots.add_quality = lambda step, values: got.append((step, values))
    # 5,000 rows: more than one reading takes (follow.READ_BYTES), read on at once
    write_metrics(tmp_path / "metrics.csv", range(1, 5001), {50: 7, 5000: 8})
    window.follower.follow(str(tmp_path))
    qtbot.waitUntil(lambda: curve_points(window) == 5000, timeout=10_000)
    assert got == [(50, {"modes": 7.0}), (5000, {"modes": 8.0})]
    assert "Step 5,000" in window.follower.label.text()
    window.train()  # F5 while following: nothing starts
    assert not window.controller.running
    # a resume rewrites the file with the rows up to its checkpoint, then goes on
    write_metrics(tmp_path / "metrics.csv", range(1, 26))
    qtbot.waitUntil(lambda: curve_points(window) == 25, timeout=10_000)
    x, _ = window.plots.curve("D loss").getData()
    assert list(x) == list(range(1, 26))
    assert "Step 25" in window.step_label.text()


def test_a_folder_that_is_not_a_run_is_refused_in_one_line(window, qtbot, tmp_path):
    window.follower.follow(str(tmp_path))
    qtbot.waitUntil(lambda: window.findChild(object, "errorDialog") is not None, timeout=10_000)
    text = window.findChild(object, "errorDialog").text()
    assert "is not a run folder: it has no metrics.csv" in text and "\n" not in text
    assert not window.follower.active and window.train_button.isEnabled()


def open_train_elsewhere(window):
    """File > Train on another machine..., as a user opens it."""
    action = next(a for a in window.menuBar().actions()[0].menu().actions()
                  if a.text() == "&Train on another machine...")
    assert action.isEnabled()
    action.trigger()
    return window.findChild(QDialog, "trainElsewhereDialog")


def test_train_on_another_machine_saves_the_config_and_gives_the_command(window, qtbot,
                                                                          tmp_path):
    use_config(window, qtbot, "ring", optimizer__lr_g=0.0004)
    dialog = open_train_elsewhere(window)
    qtbot.addWidget(dialog)
    dialog.processes.setValue(4)
    dialog.run_name.setText("ring big")
    dialog.config_path.setText(str(tmp_path / "config.toml"))
    assert dialog.command.text() == ("torchrun --nproc_per_node 4 -m ganstudio train "
                                     "--config config.toml --out runs/ring-big")
    assert "4 processes, one per GPU" in dialog.explanation.text()
    dialog.save_button.click()
    saved = ExperimentConfig.load(tmp_path / "config.toml")
    assert saved.dumps() == window.config.dumps() and saved.optimizer.lr_g == 0.0004
    assert "Saved" in dialog.result.text()
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == dialog.command.text()


def test_settings_that_do_not_fit_are_not_saved_for_another_machine(window, qtbot, tmp_path):
    use_config(window, qtbot, "ring", model__family="dcgan")  # pictures from points: refused
    dialog = open_train_elsewhere(window)
    qtbot.addWidget(dialog)
    dialog.config_path.setText(str(tmp_path / "config.toml"))
    dialog.save_button.click()
    assert not (tmp_path / "config.toml").exists()
    assert "do not fit together" in dialog.result.text()


def test_a_slow_disk_never_holds_the_window(window, qtbot, tmp_path, monkeypatch):
    """A reading that takes 2 s (a hung network disk): the window keeps answering, and no queue
    of readings builds behind it. Said without a clock, so that a busy machine cannot fail it:
    each reading runs outside the UI thread, the UI thread's timer goes on ticking while every
    reading is under way, and a reading is asked for only when none is under way."""
    import threading
    import time

    from PySide6.QtCore import QTimer

    from ganstudio.gui import follow

    started, threads, ticks_during = [], [], []
    under_way, most_at_once = [0], [0]
    ticks = []
    real_poll = follow._Reading.poll

    def slow_poll(self):
        started.append(time.monotonic())
        threads.append(threading.current_thread())
        under_way[0] += 1
        most_at_once[0] = max(most_at_once[0], under_way[0])
        before = len(ticks)
        time.sleep(2.0)
        ticks_during.append(len(ticks) - before)
        under_way[0] -= 1
        return real_poll(self)

    monkeypatch.setattr(follow._Reading, "poll", slow_poll)
    asked = []
    real_submit = window.follower.thread.submit

    def submit(fn, **kw):
        asked.append(kw.get("kind"))
        return real_submit(fn, **kw)

    monkeypatch.setattr(window.follower.thread, "submit", submit)
    write_metrics(tmp_path / "metrics.csv", range(1, 11))
    window.follower.follow(str(tmp_path))
    ticker = QTimer(interval=20)
    ticker.timeout.connect(lambda: ticks.append(1))  # runs only when the UI thread is free
    ticker.start()
    qtbot.waitUntil(lambda: curve_points(window) == 10, timeout=15_000)
    qtbot.waitUntil(lambda: len(ticks_during) >= 2, timeout=15_000)
    ticker.stop()
    assert threading.main_thread() not in threads  # read in the follow thread
    # the UI thread answered all through each 2-s reading (a reading in it: not one tick)
    assert all(n >= 1 for n in ticks_during), ticks_during
    assert most_at_once[0] == 1  # one reading at a time
    # and no queue of them: a reading is asked for only once the one before has come back
    # (the folder is looked at every second; queued, they would be asked for twice as often
    # as they start)
    assert asked.count("poll") <= len(started) + 1, (asked.count("poll"), len(started))
