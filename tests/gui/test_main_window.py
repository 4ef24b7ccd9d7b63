"""The main window, driven as a user drives it: choose, click Train, watch, pause, step, stop."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QMessageBox, QToolButton, QWidget

from ganstudio import catalog
from ganstudio.gui.training_view.plots import MetricsPlots
from tests.gui.conftest import curve_points, use_config


def combo_ids(combo: QComboBox) -> list:
    return [combo.itemData(i, Qt.ItemDataRole.UserRole) for i in range(combo.count())]


def choose(qtbot, combo: QComboBox, value) -> None:
    """Pick an item as a user would: open the box and select the entry with this id."""
    combo.setCurrentIndex(combo.findData(value))


def test_the_window_opens_with_ring_ready_to_train(window):
    assert not window.isVisible()  # MainWindow() builds without showing
    for name in ("datasetPanel", "architecturePanel", "lossPanel", "latentExplorer",
                 "samplePreview", "lossPlot", "stepLabel", "explorerImage"):
        assert window.findChild(object, name) is not None, name
    data = window.findChild(QComboBox, "datasetChoice")
    assert data.currentData() == "ring"
    assert {"ring", "grid", "shapes", "digits", "folder"} <= set(combo_ids(data))
    assert combo_ids(window.findChild(QComboBox, "architectureChoice")) == ["mlp", "dcgan",
                                                                            "resnet"]
    losses = combo_ids(window.findChild(QComboBox, "lossChoice"))
    assert losses == list(catalog.LOSSES)  # every loss, in the catalogue's order
    assert losses[:6] == ["minimax", "nonsaturating", "lsgan", "wgan", "wgan-gp", "hinge"]
    train = window.findChild(QToolButton, "trainButton")
    assert train.isEnabled()
    for name in ("pauseButton", "stepButton", "stopButton"):
        assert not window.findChild(QToolButton, name).isEnabled()
    assert "Step 0" in window.findChild(QLabel, "stepLabel").text()


def test_every_control_explains_itself(window):
    for form in window.forms:
        for path, row in form.rows.items():
            assert row.widget.toolTip().strip(), path
            assert row.label.text().strip(), path


def test_choices_change_the_experiment_and_bad_combinations_are_explained(window, qtbot):
    window.settings_tabs.setCurrentWidget(window.settings_tabs.widget(1))  # the Model tab
    choose(qtbot, window.findChild(QComboBox, "architectureChoice"), "dcgan")
    assert window.config.model.family == "dcgan"
    problem = window.findChild(QLabel, "problem_model_family")
    assert "DCGAN makes pictures" in problem.text() and problem.isVisibleTo(window)
    assert not window.train_button.isEnabled()
    assert "DCGAN makes pictures" in window.train_button.toolTip()
    choose(qtbot, window.findChild(QComboBox, "datasetChoice"), "digits")
    assert window.config.data.source == "digits"
    assert not window.findChild(QLabel, "problem_model_family").text()
    assert window.train_button.isEnabled()
    window.settings_tabs.setCurrentWidget(window.settings_tabs.widget(2))  # loss & training
    choose(qtbot, window.findChild(QComboBox, "lossChoice"), "wgan-gp")
    assert window.config.loss.name == "wgan-gp"
    gp = window.loss_panel.forms["loss"].rows["loss.gp_weight"]
    clip = window.loss_panel.forms["loss"].rows["loss.clip"]
    assert gp.widget.isVisibleTo(window) and not clip.widget.isVisibleTo(window)


def test_data_preview_follows_the_chosen_data_set(window, qtbot):
    qtbot.waitUntil(lambda: window.settings_ctl.data_ready(), timeout=30_000)
    assert "Ring of 8 blobs" in window.findChild(QLabel, "dataInfo").text()
    choose(qtbot, window.findChild(QComboBox, "datasetChoice"), "digits")
    window.config.data.size = 100  # keep the drawing quick
    window.settings_ctl.data_timer.start()
    qtbot.waitUntil(lambda: "Digits" in window.findChild(QLabel, "dataInfo").text(),
                    timeout=30_000)
    preview = window.dataset_panel.images.image()
    assert preview is not None and preview.width() > 100
    qtbot.waitUntil(lambda: "weights" in window.findChild(QLabel, "paramCounts").text(),
                    timeout=30_000)


def test_train_pause_step_resume_stop(window, qtbot):
    use_config(window, qtbot, "ring")
    window.train_button.click()
    data = window.findChild(QComboBox, "datasetChoice")
    assert not data.isEnabled()  # the data and the networks lock while training runs...
    assert window.findChild(QWidget, "field_optimizer_lr_g").isEnabled()  # ...rates do not
    qtbot.waitUntil(lambda: curve_points(window, "D loss") >= 20, timeout=30_000)
    assert curve_points(window, "G loss") >= 20
    qtbot.waitUntil(lambda: window.plane_panel.view.version > 0, timeout=10_000)
    seen = window.plane_panel.view.version
    qtbot.waitUntil(lambda: window.plane_panel.view.version > seen, timeout=10_000)

    window.pause_button.click()
    qtbot.waitUntil(lambda: window.run_state == "paused", timeout=10_000)
    assert window.pause_button.text() == "Resume" and window.step_button.isEnabled()
    window.plots.flush()
    steps = window.last_step
    qtbot.wait(300)
    assert window.last_step == steps  # paused means paused
    window.step_button.click()
    qtbot.waitUntil(lambda: window.last_step == steps + 1, timeout=10_000)
    assert f"{steps + 1:,}" in window.step_label.text()

    window.pause_button.click()  # resume
    qtbot.waitUntil(lambda: window.last_step > steps + 10, timeout=10_000)
    window.stop_button.click()
    qtbot.waitUntil(lambda: not window.controller.running, timeout=10_000)
    assert window.run_state == "stopped" and data.isEnabled()
    assert window.train_button.isEnabled() and not window.stop_button.isEnabled()


def test_picture_runs_update_the_sample_grid(window, qtbot):
    use_config(window, qtbot, "digits", model__conditional=True)
    window.train_button.click()
    view = window.sample_view
    qtbot.waitUntil(lambda: view.image() is not None, timeout=30_000)
    first = view.image().copy()
    qtbot.waitUntil(lambda: view.image() != first, timeout=30_000)
    assert view.image().width() > 200  # an 8 x 8 grid of 32 px pictures
    assert "labels 0, 1, 2" in window.samples_caption.text()


def test_metrics_reach_the_ui_in_batches_not_per_step(window, qtbot):
    use_config(window, qtbot, "ring")
    batches = []
    window.controller.metrics.connect(lambda records, status: batches.append(records))
    window.train_button.click()
    qtbot.waitUntil(lambda: window.run_state == "running", timeout=20_000)
    batches.clear()
    qtbot.wait(2000)
    steps = sum(len(b) for b in batches)
    assert steps > len(batches)  # several steps per update
    assert len(batches) <= 2 * 5 + 3  # at most ~5 updates per second


def test_training_renders_no_picture_the_window_does_not_draw(window, qtbot):
    """The 2-D view draws at its own pace; the session renders the next picture only once the
    last one is on screen, so pictures are not computed in vain (each costs training time)."""
    use_config(window, qtbot, "ring")
    received, drawn = [], []
    window.controller.picture.connect(lambda p: received.append(p))
    window.plane_panel.drawn.connect(lambda: drawn.append(1))
    window.plane_panel.throttle.min_interval = 0.6  # a slow window: pictures could pile up
    window.train_button.click()
    qtbot.waitUntil(lambda: window.run_state == "running", timeout=20_000)
    qtbot.wait(3000)
    assert len(drawn) >= 3  # the view kept moving
    assert len(received) <= len(drawn) + 1  # and each picture made was drawn


def test_the_noise_grid_switch_decides_what_training_computes(window, qtbot):
    """Hidden layers cost training nothing: the noise grid (off at first) is computed only
    once its switch is on, and shows within a moment, also while paused."""
    from PySide6.QtWidgets import QCheckBox

    use_config(window, qtbot, "ring")
    received = []
    window.controller.picture.connect(received.append)
    window.train_button.click()
    qtbot.waitUntil(lambda: len(received) >= 2, timeout=20_000)
    assert all(p.mesh is None for p in received)
    window.pause_button.click()
    qtbot.waitUntil(lambda: window.run_state == "paused", timeout=10_000)
    received.clear()
    window.findChild(QCheckBox, "show_mesh").click()
    qtbot.waitUntil(lambda: any(p.mesh is not None for p in received), timeout=10_000)
    qtbot.waitUntil(lambda: window.plane_panel.view.mesh.getData()[0] is not None
                    and len(window.plane_panel.view.mesh.getData()[0]) > 0, timeout=10_000)
    window.findChild(QCheckBox, "show_heatmap").click()  # off: no longer computed
    received.clear()
    window.step_button.click()
    qtbot.waitUntil(lambda: bool(received), timeout=10_000)
    assert received[-1].heatmap is None and received[-1].mesh is not None
    assert not window.plane_panel.view.heat.isVisible()


def test_pictures_stop_while_another_tab_is_in_front_or_the_window_is_minimised(window, qtbot):
    """The Explore tab in front (or the window minimised): training makes no pictures nobody
    sees; back on the Training tab they come again. Train brings the Training tab forward."""
    use_config(window, qtbot, "ring")
    received = []
    window.controller.picture.connect(received.append)
    window.view_tabs.setCurrentWidget(window.explorer)
    window.train_button.click()
    assert window.view_tabs.currentWidget() is window.run_split
    qtbot.waitUntil(lambda: len(received) >= 2, timeout=20_000)
    window.view_tabs.setCurrentWidget(window.explorer)
    qtbot.wait(500)  # one may have been on its way
    seen, step = len(received), window.last_step
    qtbot.wait(1500)
    assert len(received) == seen and window.last_step > step  # training went on
    window.view_tabs.setCurrentWidget(window.run_split)
    qtbot.waitUntil(lambda: len(received) > seen, timeout=5_000)
    window.show()  # minimised: none either, and they come back with the window
    qtbot.waitExposed(window)
    window.showMinimized()
    qtbot.wait(500)
    seen = len(received)
    qtbot.wait(1500)
    assert len(received) == seen
    window.showNormal()
    qtbot.waitUntil(lambda: len(received) > seen, timeout=5_000)


def test_only_the_training_thread_runs_torch_on_several_cores(window, qtbot):
    """An idle torch thread team in any other thread halves training's speed on two cores
    (measured: 97 -> 53 steps/s), so the UI thread keeps torch to one thread, and that setting
    must not leak into training, which gets the count it asks for."""
    import torch

    assert torch.get_num_threads() == 1  # the UI thread, once the engine is loaded
    use_config(window, qtbot, "ring", training__threads=2)
    answers = []
    window.train_button.click()
    qtbot.waitUntil(lambda: window.run_state == "running", timeout=20_000)
    window.controller.request(lambda tr: torch.get_num_threads(), answers.append)
    qtbot.waitUntil(lambda: bool(answers), timeout=10_000)
    assert answers == [2]
    assert torch.get_num_threads() == 1


def test_an_error_in_training_is_shown_and_the_window_stays_usable(window, qtbot, monkeypatch):
    from ganstudio.training.trainer import Trainer

    real_step = Trainer.step

    def failing_step(self):
        if self.steps_done >= 5:
            raise RuntimeError("the graphics card fell off")
        return real_step(self)

    monkeypatch.setattr(Trainer, "step", failing_step)
    use_config(window, qtbot, "ring")
    window.train_button.click()
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "errorDialog") is not None,
                    timeout=20_000)
    box = window.findChild(QMessageBox, "errorDialog")
    assert "the graphics card fell off" in box.text() and "Traceback" not in box.text()
    box.accept()
    qtbot.waitUntil(lambda: not window.controller.running, timeout=10_000)
    assert window.train_button.isEnabled() and window.dataset_panel.form.isEnabled()
    monkeypatch.setattr(Trainer, "step", real_step)
    window.train_button.click()  # and it trains again
    qtbot.waitUntil(lambda: window.last_step > 10, timeout=20_000)


def test_a_diverged_run_pauses_keeps_its_state_and_says_so(window, qtbot, monkeypatch):
    from ganstudio import objectives as losses

    real = losses.g_loss
    use_config(window, qtbot, "ring")
    window.train_button.click()
    qtbot.waitUntil(lambda: window.last_step >= 5, timeout=20_000)
    monkeypatch.setattr(losses, "g_loss", lambda *a: real(*a) * float("nan"))
    qtbot.waitUntil(lambda: window.run_state == "diverged", timeout=20_000)
    box = window.findChild(QMessageBox, "errorDialog")
    assert box is not None and "diverged at step" in box.text()
    assert window.controller.running and window.pause_button.text() == "Resume"


def test_the_plots_stay_cheap_with_many_points(qtbot):
    """100,000 steps are kept, but what is drawn is thinned to about two points per pixel
    column, keeping each column's highest and lowest value (a spike stays visible)."""
    plots = MetricsPlots()
    qtbot.addWidget(plots)
    plots.resize(500, 600)
    plots.show()
    records = [dict(step=i, d_loss=np.sin(i / 50), g_loss=1.0, d_real=0.5, d_fake=0.5,
                    d_grad_norm=1.0, g_grad_norm=1.0) for i in range(1, 100_001)]
    records[70_000]["d_loss"] = 9.0  # one spike
    plots.append(records)
    plots.flush()
    x, y = plots.curve("D loss").getData()
    assert len(x) == 100_000
    drawn_x, drawn_y = plots.curve("D loss").curve.getData()
    width = plots.plots["loss"].getPlotItem().getViewBox().width()
    assert len(drawn_x) <= 2 * width + 200
    assert drawn_y.max() == 9.0 and drawn_x[0] == 1


def test_the_step_axis_spans_every_step_received_and_settles(qtbot):
    """The x axis ends at the newest step, however the curves are thinned for drawing, and it
    stays put between redraws (sized from the thinned curves, it flipped between two ranges on
    every paint, for ever)."""
    from PySide6.QtWidgets import QApplication

    plots = MetricsPlots()
    qtbot.addWidget(plots)
    plots.resize(500, 600)
    plots.show()
    n = 9_973  # thinned by several steps per pixel: the last bin starts before the last step
    plots.append([dict(step=i, d_loss=np.sin(i / 50), g_loss=1.0, d_real=0.5, d_fake=0.5,
                       d_grad_norm=1.0, g_grad_norm=1.0) for i in range(1, n + 1)])
    vb = plots.plots["loss"].getPlotItem().getViewBox()
    ranges = []
    for _ in range(4):
        plots.flush()
        QApplication.processEvents()
        ranges.append(vb.viewRange()[0])
    drawn_x, _ = plots.curve("D loss").curve.getData()
    assert len(drawn_x) < n  # what is drawn is thinned...
    # ...the axis is sized from the steps themselves, not from the thinned curves with their
    # margins in pixels (which move with the range, and the range with them)
    assert vb.childrenBounds()[0] == [1, n]
    assert ranges[0][1] > n and all(r == ranges[0] for r in ranges)


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_theme_switch_recolours_the_window(window, theme):
    window.set_theme(theme)
    bg = window.palette().color(window.backgroundRole()).lightness()
    assert (bg < 100) if theme == "dark" else (bg > 150)


def test_live_plots_repaint_about_once_a_second_not_continuously(window, qtbot):
    """While training runs at full speed the plots are repainted, but about once a second (each
    redraw costs training time): never continuously (auto-ranged, linked axes can feed each
    other into endless repaints)."""
    from PySide6.QtCore import QEvent, QObject

    from ganstudio.gui.training_view.plots import REDRAW_INTERVAL

    window.resize(1280, 800)
    window.show()
    use_config(window, qtbot, "ring")
    paints = {name: 0 for name in window.plots.plots}

    class CountPaints(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint:
                for name, plot in window.plots.plots.items():
                    if obj is plot.viewport():
                        paints[name] += 1
            return False

    counter = CountPaints()
    for plot in window.plots.plots.values():
        plot.viewport().installEventFilter(counter)
    window.train_button.click()
    qtbot.waitUntil(lambda: window.run_state == "running", timeout=20_000)
    qtbot.wait(500)
    for name in paints:
        paints[name] = 0
    qtbot.wait(3000)
    assert curve_points(window) > 0
    for name, n in paints.items():
        assert 1 <= n <= 3 / REDRAW_INTERVAL + 2, (name, n)
