"""Quality and health in the window: the live quality plot, the status-bar badge, and the alarm
banner that links to the step where things went wrong."""

import numpy as np
from PySide6.QtWidgets import QLabel

from tests.conftest import collapse_generator
from tests.gui.conftest import use_config


def quality_points(window, key="hq"):
    window.plots.flush()
    curve = window.plots.quality_curves.get(key)
    if curve is None:
        return 0
    x, y = curve.getData()
    return 0 if y is None else int(np.isfinite(y).sum())


def test_ring_shows_live_quality_in_the_plot_and_the_badge(window, qtbot):
    use_config(window, qtbot, "ring", training__quality_every=40)
    window.train_button.click()
    qtbot.waitUntil(lambda: quality_points(window) >= 3, timeout=60_000)
    badge = window.findChild(QLabel, "qualityBadge")
    assert not badge.isHidden()
    assert "of 8 clusters found" in badge.text() and "% on target" in badge.text()
    assert "the plane" in badge.toolTip()
    assert quality_points(window, "modes") >= 3  # clusters found, as a share, beside it
    x, y = window.plots.quality_curves["hq"].getData()
    assert np.all((y >= 0) & (y <= 100)) and list(x) == sorted(x)
    assert window.plots.plots["quality"].getPlotItem().getAxis("left").labelText == "%"
    assert window.run_split.banner.isHidden()  # a healthy start raises nothing


def test_an_induced_collapse_raises_the_banner_and_it_links_to_the_step(window, qtbot):
    use_config(window, qtbot, "ring", training__quality_every=100)
    window.train_button.click()
    qtbot.waitUntil(lambda: window.run_state == "running", timeout=30_000)
    when = []
    window.controller.request(collapse_generator, when.append)
    qtbot.waitUntil(lambda: bool(when), timeout=10_000)
    banner = window.run_split.banner
    qtbot.waitUntil(lambda: not banner.isHidden(), timeout=120_000)
    text = banner.text.text()
    assert "Mode collapse" in text and "What to try" in text and "only 1 of the 8" in text
    alarm = banner.alarms[0]
    assert alarm.kind == "collapse" and alarm.step >= when[0] - 300
    # the plots mark it, and the link brings its step into view
    marks = [line for _, line in window.plots._alarm_lines if line.alarm_kind == "collapse"]
    assert len(marks) == len(window.plots.plots)
    banner.text.linkActivated.emit(f"step:{alarm.step}")
    lo, hi = window.plots.plots["loss"].getPlotItem().getViewBox().viewRange()[0]
    assert lo <= alarm.step <= hi and hi - lo < window.last_step
    assert f"step {alarm.step:,}" in window.plots.readout.text()
    badge = window.findChild(QLabel, "qualityBadge")
    assert badge.text().startswith("1 of 8 clusters found")
    # dismissed, it stays hidden until something new
    banner.close_button.click()
    assert banner.isHidden()


def test_a_resumed_run_shows_its_quality_history_with_its_losses(window, qtbot, tmp_path):
    """Resuming a run (a recovered one, or a checkpoint) drew the losses at once but left the
    quality plot empty until the next redraw (1-2 s later: longer the longer the history)."""
    use_config(window, qtbot, "ring", training__quality_every=40)
    window.train_button.click()
    qtbot.waitUntil(lambda: len(window.plots.quality) >= 2, timeout=120_000)
    window.pause_button.click()
    qtbot.waitUntil(lambda: window.run_state == "paused", timeout=10_000)
    path = tmp_path / "run.safetensors"
    window.save_checkpoint(str(path))
    qtbot.waitUntil(path.exists, timeout=10_000)
    window.stop_button.click()
    qtbot.waitUntil(lambda: not window.controller.running, timeout=10_000)

    def drawn(name):
        x, y = name.getData()
        return 0 if y is None else int(np.isfinite(y).sum())

    seen = {}
    # connected after the window's own slot: what the plots hold once the run is shown
    window.controller.ready.connect(lambda info: seen.update(
        saved=len(info["quality"]), quality=drawn(window.plots.quality_curves["hq"]),
        losses=drawn(window.plots.curve("D loss"))))
    window.open_checkpoint(str(path))
    qtbot.waitUntil(lambda: bool(seen), timeout=30_000)
    assert seen["saved"] >= 2 and seen["losses"] > 0
    assert seen["quality"] == seen["saved"]


def test_a_folder_runs_live_kid_shows_in_the_plot_and_stays_in_the_badge(window, qtbot):
    """Pictures without a classifier: KID in Inception space (every few minutes) beside the
    variety (every few hundred steps); the badge keeps the last KID between two."""
    from ganstudio.training.quality import Measure, QualityPoint

    space = "Inception-v3 pool features"
    window.run.measures = [Measure("inception_kid", "KID", "lower", space),
                           Measure("diversity", "variety", "higher", "pixels at 16 x 16")]
    window.plots.set_quality_measures(window.run.measures)
    for step, values in ((250, {"diversity": 0.5}),
                         (500, {"diversity": 0.6, "inception_kid": 0.05}),
                         (750, {"diversity": 0.7})):
        window.controller.quality.emit(QualityPoint(step, values, 0.1))
    qtbot.waitUntil(lambda: quality_points(window, "diversity") == 3, timeout=10_000)
    x, y = window.plots.quality_curves["inception_kid"].getData()
    assert list(x) == [500] and list(y) == [50.0]  # KID x 1000
    axis = window.plots.plots["quality"].getPlotItem().getAxis("left").labelText
    assert "KID x 1000" in axis
    badge = window.findChild(QLabel, "qualityBadge")
    assert badge.text().startswith("KID 0.050 (Inception)") and "variety 70%" in badge.text()
    assert "at step 500" in badge.toolTip()


def test_a_live_kid_being_measured_says_how_far_in_the_badge_then_gives_it_back(window, qtbot):
    """A live KID takes minutes on a CPU: its progress takes the badge's place meanwhile."""
    from ganstudio.training.quality import Measure, QualityPoint
    from ganstudio.training.run_state import RunState, RunStatus

    window.run.measures = [Measure("diversity", "variety", "higher", "pixels at 16 x 16")]
    window.controller.quality.emit(QualityPoint(250, {"diversity": 0.5}, 0.1))
    badge = window.findChild(QLabel, "qualityBadge")
    qtbot.waitUntil(lambda: badge.text() == "variety 50% of the real data's", timeout=10_000)
    window.controller.status.emit(RunStatus(RunState.RUNNING, step=250,
                                            busy="Measuring quality (KID): 40%..."))
    qtbot.waitUntil(lambda: badge.text() == "Measuring quality (KID): 40%...", timeout=10_000)
    assert not badge.isHidden()
    window.controller.status.emit(RunStatus(RunState.PAUSED, step=250))  # abandoned: a Pause
    qtbot.waitUntil(lambda: badge.text() == "variety 50% of the real data's", timeout=10_000)
