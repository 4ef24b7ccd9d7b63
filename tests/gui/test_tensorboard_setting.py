"""The window's "TensorBoard logs" setting: where it is, what training with it writes, and what
it says without the tensorboardX package."""

import sys

import pytest
from PySide6.QtWidgets import QCheckBox

from ganstudio.config import ExperimentConfig
from ganstudio.gui.settings.panels import LossPanel
from tests.core.test_tensorboard import by_tag, event_files, shown
from tests.gui.conftest import use_config


def tensorboard_box(window) -> QCheckBox:
    return window.findChild(QCheckBox, "field_training_tensorboard")


def test_the_setting_is_among_the_runs_more_settings_and_says_where_logs_go(window, qtbot):
    window.settings_tabs.setCurrentWidget(window.settings_tabs.widget(2))  # loss & training
    form = window.loss_panel.forms["training"]
    box = tensorboard_box(window)
    assert box is not None and not box.isVisibleTo(window)  # behind "More settings"
    form.more_button.click()
    assert box.isVisibleTo(window)
    assert form.rows["training.tensorboard"].label.text() == "TensorBoard logs"
    runs = str(window.recovery.data_dir / "runs")
    assert runs in box.toolTip() and "tensorboard --logdir" in box.toolTip()
    if not window.loss_panel.tensorboard_available:
        pytest.skip("tensorboardX is not installed: the setting is off (tested below)")
    assert box.isEnabled()
    box.click()
    assert window.config.training.tensorboard is True
    assert window.document.modified


def test_a_window_run_with_the_setting_writes_logs_in_its_folder(window, qtbot):
    pytest.importorskip("tensorboardX")
    use_config(window, qtbot, "ring", training__tensorboard=True, training__sample_every=10)
    window.train_button.click()
    folder = window.recovery.folder
    qtbot.waitUntil(lambda: f"TensorBoard logs in {folder}"
                    in window.statusBar().currentMessage(), timeout=30_000)
    qtbot.waitUntil(lambda: window.last_step >= 25, timeout=30_000)
    window.pause_button.click()  # pausing hands over what waits: readable while paused
    qtbot.waitUntil(lambda: window.run_state == "paused", timeout=10_000)
    paused_at = window.last_step
    qtbot.waitUntil(lambda: len(by_tag(shown(folder)).get("loss/D", {})) == paused_at,
                    timeout=10_000)
    window.stop_button.click()
    qtbot.waitUntil(lambda: not window.controller.running, timeout=10_000)
    assert len(event_files(folder)) == 1
    tags = by_tag(shown(folder))
    assert sorted(tags["loss/D"]) == list(range(1, window.last_step + 1))
    assert sorted(tags["samples"])[:2] == [10, 20]


def test_without_tensorboardx_the_setting_is_off_and_says_how_to_install_it(qtbot, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)  # import tensorboardX fails
    panel = LossPanel(ExperimentConfig())
    qtbot.addWidget(panel)
    row = panel.forms["training"].rows["training.tensorboard"]
    assert not row.widget.isEnabled() and not row.label.isEnabled()
    assert "not installed" in row.widget.toolTip() and "pip install" in row.widget.toolTip()
    panel.forms["training"].setEnabled(False)  # a run locks the form...
    panel.forms["training"].setEnabled(True)  # ...and unlocks it: the setting stays off
    assert not row.widget.isEnabled()


def test_a_run_asking_for_logs_without_tensorboardx_trains_and_says_why(window, qtbot,
                                                                         monkeypatch):
    use_config(window, qtbot, "ring", training__tensorboard=True)  # e.g. from a saved file
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    window.train_button.click()
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith(
        "No TensorBoard logs: "), timeout=30_000)
    assert "pip install" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: window.last_step >= 5, timeout=30_000)  # trains all the same
    window.stop_button.click()
    qtbot.waitUntil(lambda: not window.controller.running, timeout=10_000)
    assert event_files(window.recovery.folder) == []
