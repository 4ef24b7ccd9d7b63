"""GAN Lab's step controls on the toolbar: which network learns (Train both / D only / G only,
the ``training.update`` setting, which Train and Step obey), and slow motion (steps per second,
a picture after every step).

Plain widgets that say what was chosen (``update_chosen``, ``pace_chosen``); the window's
steering (steer.py) sends it to the settings and the run.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QButtonGroup, QComboBox, QLabel, QToolBar, QToolButton

UPDATES = (
    ("both", "trainBoth", "Both", "Train both networks: the game as it is meant to be played"),
    ("d", "trainDOnly", "D only", ("Train only the discriminator: the generator stays as it "
                                   "is, so you see how D learns to tell its samples from the "
                                   "real ones")),
    ("g", "trainGOnly", "G only", ("Train only the generator: the discriminator stays as it "
                                   "is, so you see where the generator goes against a fixed "
                                   "judge")),
)
# (steps per second, text): 0 = as fast as it goes
PACES = ((0.0, "Full speed"), (20.0, "20 steps/s"), (5.0, "5 steps/s"), (2.0, "2 steps/s"),
         (1.0, "1 step/s"))


class StepControls(QObject):
    update_chosen = Signal(str)  # "both", "d" or "g"
    pace_chosen = Signal(float)  # steps per second, 0 = full speed

    def __init__(self, parent=None):
        super().__init__(parent)
        self.label = QLabel("Learns:")
        self.label.setProperty("role", "hint")
        self.label.setToolTip("Which network learns in each step (Train and Step obey it; it "
                              "can change while the run trains, and each change is marked on "
                              "the plots)")
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[str, QToolButton] = {}
        for value, name, text, tip in UPDATES:
            b = QToolButton()
            b.setObjectName(name)
            b.setText(text)
            b.setCheckable(True)
            b.setToolTip(tip)
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            self.group.addButton(b)
            b.clicked.connect(lambda _=False, v=value: self.update_chosen.emit(v))
            self.buttons[value] = b
        self.buttons["both"].setChecked(True)
        self.pace = QComboBox()
        self.pace.setObjectName("slowMotion")
        for value, text in PACES:
            self.pace.addItem(text, value)
        self.pace.setToolTip("Slow motion: at most this many steps a second, with a picture after "
                             "every step, to watch the game move by move")
        self.pace.currentIndexChanged.connect(
            lambda i: self.pace_chosen.emit(float(self.pace.itemData(i))))

    def add_to(self, toolbar: QToolBar, after: QToolButton) -> None:
        """Put the controls on ``toolbar`` right after the button ``after`` (Stop)."""
        actions = toolbar.actions()
        at = next((i for i, a in enumerate(actions) if toolbar.widgetForAction(a) is after),
                  len(actions) - 1)
        before = actions[at + 1] if at + 1 < len(actions) else None
        widgets = [self.label, *self.buttons.values(), self.pace]
        toolbar.insertSeparator(before) if before is not None else toolbar.addSeparator()
        for w in widgets:
            if before is not None:
                toolbar.insertWidget(before, w)
            else:
                toolbar.addWidget(w)

    def show_update(self, value: str) -> None:
        """The experiment's setting (the forms, or a change the run made)."""
        b = self.buttons.get(value)
        if b is not None and not b.isChecked():
            b.setChecked(True)

    def set_pace_value(self, steps_per_second: float) -> None:
        i = self.pace.findData(float(steps_per_second))
        if i >= 0:
            self.pace.setCurrentIndex(i)
