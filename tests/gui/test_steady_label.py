"""The status bar's counters: a new number repaints the label, not the whole status bar."""

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QLabel, QMainWindow

from ganstudio.gui.widgets import SteadyLabel


class LayoutRequests(QObject):
    def __init__(self):
        super().__init__()
        self.count = 0

    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.LayoutRequest:
            self.count += 1
        return False


def status_bar_relayouts(qtbot, label_type) -> int:
    window = QMainWindow()
    qtbot.addWidget(window)
    label = label_type("Step 888,888")
    window.statusBar().addPermanentWidget(label)
    window.show()
    qtbot.waitExposed(window)
    qtbot.wait(50)  # the first layout, after showing
    requests = LayoutRequests()
    window.statusBar().installEventFilter(requests)
    for step in range(1, 2000, 37):  # the digits' widths differ: "Step 1,111" vs "Step 1,888"
        label.setText(f"Step {step:,}")
        qtbot.wait(1)
    return requests.count


def test_a_changing_count_does_not_re_lay_out_the_status_bar(qtbot):
    assert status_bar_relayouts(qtbot, QLabel) > 10  # what a plain label does
    assert status_bar_relayouts(qtbot, SteadyLabel) == 0


def test_the_label_grows_for_a_longer_text_and_never_shrinks(qtbot):
    label = SteadyLabel("Step 8")
    qtbot.addWidget(label)
    small = label.width()
    label.setText("Step 88,888,888 of 99,999,999")
    grown = label.width()
    label.setText("Step 1")
    assert grown > small and label.width() == grown
    assert label.text() == "Step 1"
