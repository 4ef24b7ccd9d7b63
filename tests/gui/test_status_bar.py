"""The status bar at narrow widths: every part readable, none running into another (below
1,280 px the texts ran together: "6% on targe processor (threads chosen as it ru")."""

import pytest
from PySide6.QtWidgets import QLabel, QMainWindow

from ganstudio.gui.training_view.status_line import ElidedLabel
from ganstudio.training.run_state import RunState, RunStatus

BADGE = "7 of 8 clusters found · 96% on target"
COMPUTE = "processor (threads chosen as it runs) · 32-bit numbers"


def fill(run) -> None:
    """What the status bar says while the ring trains."""
    run.quality_label.setText(BADGE)
    run.quality_label.setToolTip("Measured at step 4,000.")
    run.quality_label.setVisible(True)
    run.compute_label.setText(COMPUTE)
    run.compute_label.setVisible(True)
    run.show_status(RunStatus(state=RunState.RUNNING, step=4063, target=7500, elapsed=88,
                              rate=123.0))


def parts(run):
    return [w for w in (run.quality_label, run.compute_label, run.step_label, run.speed_label,
                        run.time_label, run.progress) if w.isVisible() and w.width() > 0]


def check_clean(bar, run, message: str = "") -> None:
    shown = parts(run)
    boxes = [(w, w.geometry().translated(w.parentWidget().mapTo(bar, w.parentWidget().rect()
                                                                .topLeft()))) for w in shown]
    for (_, a), (_, b) in zip(boxes, boxes[1:]):
        assert a.right() < b.left(), "two parts of the status bar overlap"
    assert boxes[-1][1].right() < bar.width()
    for w in shown:
        if isinstance(w, ElidedLabel):  # cut with "…", the whole text in the tooltip
            text = w.shown_text()
            if text != w.text():
                assert text.endswith("…") and w.toolTip().startswith(w.text())
        elif isinstance(w, QLabel):
            text = w.text()
        else:
            continue
        assert w.fontMetrics().horizontalAdvance(text) <= w.contentsRect().width(), \
            f"{text!r} does not fit its label"
    # what matters most is whole: the step, the time
    assert run.step_label in shown and run.time_label in shown
    if message:  # a passing message keeps its room
        end = 6 + bar.fontMetrics().horizontalAdvance(message)
        assert end < boxes[0][1].left()


@pytest.mark.parametrize("width", [1024, 0])  # 0: as narrow as the window goes
def test_the_window_status_bar_is_clean_when_narrow(qtbot, width):
    from ganstudio.gui import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    fill(w.run)
    w.show()
    w.resize(width or w.minimumSizeHint().width(), 700)
    qtbot.waitExposed(w)
    qtbot.wait(100)
    check_clean(w.statusBar(), w.run)
    message = "Opened checkpoint.safetensors"
    w.statusBar().showMessage(message)
    qtbot.wait(100)
    check_clean(w.statusBar(), w.run, message)


def test_the_status_bar_alone_at_800_px_is_clean_and_drops_the_least_first(qtbot):
    """The window's panels keep it wider than 800 px; the status bar itself fits 800."""
    from ganstudio.gui.training_view.run_controls import RunControls
    from ganstudio.gui.training_view.run_view import RunView
    from ganstudio.gui.training_view.worker import TrainingController

    window = QMainWindow()
    qtbot.addWidget(window)
    controller = TrainingController(window)
    run = RunControls(controller, RunView(), lambda *a: None, lambda: None, window)
    run.add_to_status_bar(window.statusBar())
    fill(run)
    window.show()
    try:
        for width in (800, 640):
            window.resize(width, 200)
            qtbot.wait(100)
            check_clean(window.statusBar(), run)
        # at 800 the badge says the most: it is cut least (what it computes on, first)
        window.resize(800, 200)
        qtbot.wait(100)
        assert run.quality_label.width() >= run.compute_label.width()
        assert run.quality_label.shown_text().startswith("7 of 8 clusters found")
    finally:
        controller.shutdown()
